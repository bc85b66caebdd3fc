/**
 * What the GPU trainer (src/gpu/trainer.ts) and the CPU reference trainer
 * (src/cpu/trainer.ts) both offer. They run the same algorithm in the same order:
 * per epoch a seeded shuffle, then floor(N / B) mini-batches of
 *   gather → forward (layer by layer) → loss and its gradient →
 *   backward (last layer first: dW and dB, then dX through the previous activation) → update,
 * then one pass over the validation split. The remainder of N / B is left out that epoch
 * (a different remainder each epoch).
 */
import type { Split } from '../data/dataset.ts';
import type { TrainConfig } from './config.ts';
import { Rng } from '../model/rng.ts';

export interface Evaluation {
  count: number;
  correct: number;
  accuracy: number;
  /** Mean loss per sample (cross-entropy or quadratic, without the L2 term). */
  loss: number;
  /** Predicted class per sample. */
  preds: Uint32Array;
}

export interface EpochReport {
  epoch: number;
  lr: number;
  steps: number;
  samples: number;
  /** Mean loss of each mini-batch, in order. */
  stepLoss: Float32Array;
  trainLoss: number;
  trainAccuracy: number;
  val: Evaluation;
  /** Wall-clock seconds for the epoch, validation included. */
  seconds: number;
  /** Wall-clock seconds of the epoch's mini-batches, validation excluded. */
  trainSeconds: number;
  /** Training samples per second (validation excluded where it can be told apart). */
  samplesPerSecond: number;
}

export interface TrainerState {
  epoch: number;
  rng: number[];
}

export interface Trainer {
  readonly kind: 'gpu' | 'cpu';
  /** One line saying where it runs (adapter or CPU). */
  readonly description: string;
  readonly config: TrainConfig;
  /** Epochs completed so far. */
  readonly epoch: number;
  trainEpoch(onProgress?: (step: number, steps: number) => void): Promise<EpochReport>;
  evaluate(split: Split): Promise<Evaluation>;
  getParams(): Promise<Float32Array>;
  setParams(params: Float32Array): Promise<void>;
  /** Layer state that is not trained (batch norm's running statistics; stateLayout), empty without any. */
  getLayerState(): Promise<Float32Array>;
  setLayerState(state: Float32Array): Promise<void>;
  /** Optimiser velocity (momentum > 0), else null. */
  getVelocity(): Promise<Float32Array | null>;
  setVelocity(v: Float32Array): Promise<void>;
  getState(): TrainerState;
  setState(state: TrainerState): void;
  destroy(): void;
}

/** The shuffle generator both trainers draw each epoch's permutation from. */
export function shuffleRng(seed: number): Rng {
  return new Rng((seed ^ 0x5bd1e995) >>> 0);
}

/**
 * Per-row (loss, correct) pairs, `rows` per step, folded into one pair per step, summed in
 * row order (how GpuTrainer reads what shaders/output_layer.wgsl wrote).
 */
export function foldRowStats(rowStats: ArrayLike<number>, steps: number, rows: number): Float32Array {
  const stats = new Float32Array(2 * steps);
  for (let s = 0; s < steps; s++) {
    let loss = 0;
    let correct = 0;
    for (let r = s * rows; r < (s + 1) * rows; r++) {
      loss += rowStats[2 * r];
      correct += rowStats[2 * r + 1];
    }
    stats[2 * s] = loss;
    stats[2 * s + 1] = correct;
  }
  return stats;
}

export function summarizeSteps(stats: Float32Array, steps: number, batch: number): { stepLoss: Float32Array; loss: number; accuracy: number } {
  const stepLoss = new Float32Array(steps);
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < steps; s++) {
    stepLoss[s] = stats[2 * s] / batch;
    lossSum += stats[2 * s];
    correct += stats[2 * s + 1];
  }
  return { stepLoss, loss: lossSum / (steps * batch), accuracy: correct / (steps * batch) };
}

export function summarizeEvaluation(preds: Uint32Array, rowLoss: ArrayLike<number>, labels: Uint8Array): Evaluation {
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < preds.length; i++) {
    if (preds[i] === labels[i]) correct++;
    loss += rowLoss[i];
  }
  const count = preds.length;
  return { count, correct, accuracy: correct / count, loss: loss / count, preds };
}
