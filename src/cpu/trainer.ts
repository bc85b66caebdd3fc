/**
 * The CPU reference trainer: Nielsen's update_mini_batch / backprop, kernel for kernel the
 * same steps the GPU scheduler encodes (src/gpu/trainer.ts), in Float32Arrays.
 */
import type { Split } from '../data/dataset.ts';
import type { ParamLayout } from '../model/layout.ts';
import { initParams } from '../model/init.ts';
import { permutation, type Rng } from '../model/rng.ts';
import { layerActivations, type Activation } from '../model/spec.ts';
import { lrAtEpoch, type TrainConfig } from '../train/config.ts';
import {
  shuffleRng, summarizeEvaluation, summarizeSteps, type EpochReport, type Evaluation, type Trainer, type TrainerState,
} from '../train/trainer.ts';
import { gatherBatch } from './gather.ts';
import { evaluateRows, quadraticCost, softmaxCrossEntropy, type BatchStats } from './loss.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import { sgdMomentumUpdate, sgdUpdate } from './update.ts';

const now = () => performance.now() / 1000;
/** How long an epoch runs at most without giving the event loop a turn. */
const YIELD_SECONDS = 0.05;

/** Activations of one mini-batch, layer by layer, and their gradients. */
class Workspace {
  x: Float32Array;
  y: Uint32Array;
  acts: Float32Array[];
  dZ: Float32Array[];
  constructor(readonly B: number, sizes: number[]) {
    this.x = new Float32Array(B * sizes[0]);
    this.y = new Uint32Array(B);
    this.acts = sizes.slice(1).map((n) => new Float32Array(B * n));
    this.dZ = sizes.slice(1).map((n) => new Float32Array(B * n));
  }
}

export class CpuTrainer implements Trainer {
  readonly kind = 'cpu';
  readonly description = 'CPU reference (single-threaded TypeScript)';
  readonly layout: ParamLayout;
  private params: Float32Array;
  private grads: Float32Array;
  private velocity: Float32Array | null;
  private acts: Activation[];
  private rng: Rng;
  private perm: Uint32Array;
  private ws: Workspace;
  private epochsDone = 0;

  constructor(readonly config: TrainConfig, readonly train: Split, readonly val: Split) {
    const { params, layout } = initParams(config.model, config.seed);
    this.params = params;
    this.layout = layout;
    this.grads = new Float32Array(layout.total);
    this.velocity = config.momentum > 0 ? new Float32Array(layout.total) : null;
    this.acts = layerActivations(config.model);
    this.rng = shuffleRng(config.seed);
    this.perm = new Uint32Array(train.count);
    this.ws = new Workspace(config.batch, config.model.sizes);
  }

  get epoch(): number {
    return this.epochsDone;
  }

  /** Forward pass of ws.x through every layer into ws.acts. */
  private forward(ws: Workspace): void {
    this.layout.layers.forEach((block, l) => {
      const input = l === 0 ? ws.x : ws.acts[l - 1];
      const wb = this.params.subarray(block.offset, block.offset + block.size);
      matmulForward(ws.acts[l], input, wb, ws.B, block.C, block.OC, this.acts[l]);
    });
  }

  private loss(ws: Workspace): BatchStats {
    const last = this.layout.layers.length - 1;
    const K = this.layout.layers[last].OC;
    const { model } = this.config;
    return model.loss === 'cross-entropy'
      ? softmaxCrossEntropy(ws.dZ[last], ws.acts[last], ws.y, ws.B, K)
      : quadraticCost(ws.dZ[last], ws.acts[last], ws.y, ws.B, K, model.outputActivation);
  }

  /** Gradients of the batch's mean loss into this.grads, last layer first. */
  private backward(ws: Workspace): void {
    for (let l = this.layout.layers.length - 1; l >= 0; l--) {
      const block = this.layout.layers[l];
      const input = l === 0 ? ws.x : ws.acts[l - 1];
      matmulBackwardWeight(this.grads.subarray(block.offset, block.offset + block.size), input, ws.dZ[l], ws.B, block.C, block.OC);
      if (l > 0) {
        const wb = this.params.subarray(block.offset, block.offset + block.size);
        matmulBackwardInput(ws.dZ[l - 1], ws.dZ[l], wb, ws.acts[l - 1], ws.B, block.C, block.OC, this.acts[l - 1]);
      }
    }
  }

  private update(lr: number): void {
    const { l2, momentum } = this.config;
    if (this.velocity) sgdMomentumUpdate(this.params, this.velocity, this.grads, this.layout, lr, l2, momentum);
    else sgdUpdate(this.params, this.grads, this.layout, lr, l2);
  }

  /** One mini-batch: the whole of update_mini_batch. */
  step(start: number, lr: number): BatchStats {
    const ws = this.ws;
    const P = this.train.rows * this.train.cols;
    gatherBatch(ws.x, ws.y, this.train.images, this.train.labels, this.perm, start, ws.B, P);
    this.forward(ws);
    const stats = this.loss(ws);
    this.backward(ws);
    this.update(lr);
    return stats;
  }

  /** Shuffles for the next epoch (exposed for step-level parity tests). */
  shuffle(): Uint32Array {
    return permutation(this.perm, this.rng);
  }

  /** The last mini-batch's workspace and gradients, for parity tests. */
  inspect(): { x: Float32Array; acts: Float32Array[]; dZ: Float32Array[]; grads: Float32Array } {
    return { x: this.ws.x, acts: this.ws.acts, dZ: this.ws.dZ, grads: this.grads };
  }

  async trainEpoch(onProgress?: (step: number, steps: number) => void): Promise<EpochReport> {
    const t0 = now();
    const epoch = this.epochsDone + 1;
    const lr = lrAtEpoch(this.config, epoch);
    const B = this.config.batch;
    const steps = Math.floor(this.train.count / B);
    const stats = new Float32Array(2 * steps);
    this.shuffle();
    let yielded = now();
    for (let s = 0; s < steps; s++) {
      const { lossSum, correct } = this.step(s * B, lr);
      stats[2 * s] = lossSum;
      stats[2 * s + 1] = correct;
      if (onProgress && (s % 50 === 49 || s === steps - 1)) onProgress(s + 1, steps);
      // Between mini-batches, a few times a second: let signals through and the progress bar draw.
      if (now() - yielded > YIELD_SECONDS) {
        await new Promise((r) => setTimeout(r, 0));
        yielded = now();
      }
    }
    const trainSeconds = now() - t0;
    const val = await this.evaluate(this.val);
    this.epochsDone = epoch;
    const summary = summarizeSteps(stats, steps, B);
    return {
      epoch, lr, steps, samples: steps * B, stepLoss: summary.stepLoss, trainLoss: summary.loss, trainAccuracy: summary.accuracy,
      val, seconds: now() - t0, samplesPerSecond: (steps * B) / trainSeconds,
    };
  }

  async evaluate(split: Split): Promise<Evaluation> {
    const chunk = Math.min(1000, split.count);
    const ws = new Workspace(chunk, this.config.model.sizes);
    const P = split.rows * split.cols;
    const K = this.layout.layers[this.layout.layers.length - 1].OC;
    const preds = new Uint32Array(split.count);
    const rowLoss = new Float32Array(split.count);
    const identity = Uint32Array.from({ length: split.count }, (_, i) => i);
    for (let start = 0; start < split.count; start += chunk) {
      const B = Math.min(chunk, split.count - start);
      const part = B === chunk ? ws : new Workspace(B, this.config.model.sizes);
      gatherBatch(part.x, part.y, split.images, split.labels, identity, start, B, P);
      this.forward(part);
      evaluateRows(preds.subarray(start), rowLoss.subarray(start), part.acts[part.acts.length - 1], part.y, B, K, this.config.model.loss);
    }
    return summarizeEvaluation(preds, rowLoss, split.labels);
  }

  async getParams(): Promise<Float32Array> {
    return this.params.slice();
  }

  async setParams(params: Float32Array): Promise<void> {
    this.params.set(params);
  }

  async getVelocity(): Promise<Float32Array | null> {
    return this.velocity ? this.velocity.slice() : null;
  }

  async setVelocity(v: Float32Array): Promise<void> {
    this.velocity?.set(v);
  }

  getState(): TrainerState {
    return { epoch: this.epochsDone, rng: this.rng.state() };
  }

  setState(state: TrainerState): void {
    this.epochsDone = state.epoch;
    this.rng.restore(state.rng);
  }

  destroy(): void {}
}
