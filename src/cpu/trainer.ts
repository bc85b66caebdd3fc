/**
 * The CPU reference trainer: Nielsen's update_mini_batch / backprop, kernel for kernel the
 * same steps the GPU scheduler encodes (src/gpu/trainer.ts), in Float32Arrays.
 */
import { channelsLast, imageBytes, type Split } from '../data/dataset.ts';
import { initState, type ParamLayout } from '../model/param-block.ts';
import { initParams } from '../model/init.ts';
import { resolveNetwork, type ResolvedNetwork } from '../model/network.ts';
import { permutation, type Rng } from '../model/rng.ts';
import { classCount } from '../model/spec.ts';
import { adamParams, augmentParams, dropoutSeed, isAdam, optimizerOf, optimizerStateCopies, weightDecayOf, type TrainConfig } from '../train/config.ts';
import { epochRates } from '../train/schedule.ts';
import {
  shuffleRng, summarizeEvaluation, summarizeSteps, type EpochReport, type Evaluation, type Trainer, type TrainerState,
} from '../train/trainer.ts';
import { augmentBatch, imageShape, type AugmentParams, type ImageShape } from './augment.ts';
import { gatherBatch } from './gather.ts';
import { evaluateRows, quadraticCost, softmaxCrossEntropy, type BatchStats } from './loss.ts';
import { backwardNetwork, CpuWorkspace, forwardNetwork, type DropoutStep } from './network.ts';
import { adamUpdate, adamwUpdate, sgdMomentumUpdate, sgdUpdate } from './update.ts';

const now = () => performance.now() / 1000;
/** How long an epoch runs at most without giving the event loop a turn. */
const YIELD_SECONDS = 0.05;

export class CpuTrainer implements Trainer {
  readonly kind = 'cpu';
  readonly description = 'CPU reference (single-threaded TypeScript)';
  readonly layout: ParamLayout;
  private params: Float32Array;
  private grads: Float32Array;
  /** Untrained layer state: batch norm's running statistics (stateLayout). */
  private state: Float32Array;
  /** Optimiser state: the velocity (momentum), or Adam's m then v; null for plain SGD. */
  private velocity: Float32Array | null;
  private net: ResolvedNetwork;
  private steps: number;
  private rng: Rng;
  private perm: Uint32Array;
  private ws: CpuWorkspace;
  private epochsDone = 0;
  /** The training gather's augmentation, its images' shape and the elastic field's scratch; null: none. */
  private augment: { params: AugmentParams; shape: ImageShape; scratch: { tmp: Float32Array; field: Float32Array } } | null;
  /** The training images channels last, as GpuTrainer uploads them (the split's own bytes for one channel). */
  private trainImages: Uint8Array;

  constructor(readonly config: TrainConfig, readonly train: Split, readonly val: Split) {
    const { params, layout } = initParams(config.model, config.seed);
    this.params = params;
    this.layout = layout;
    this.grads = new Float32Array(layout.total);
    const copies = optimizerStateCopies(config);
    this.velocity = copies === 0 ? null : new Float32Array(layout.total * copies);
    this.net = resolveNetwork(config.model);
    this.state = initState(this.net.state);
    this.rng = shuffleRng(config.seed);
    this.perm = new Uint32Array(train.count);
    this.steps = Math.floor(train.count / config.batch);
    this.ws = new CpuWorkspace(this.net, config.batch, true);
    const augment = augmentParams(config, this.steps);
    const shape = imageShape(train);
    const fieldFloats = config.batch * shape.H * shape.W * 2;
    this.augment = augment && { params: augment, shape, scratch: { tmp: new Float32Array(fieldFloats), field: new Float32Array(fieldFloats) } };
    this.trainImages = channelsLast(train.images, config.model.input);
  }

  get epoch(): number {
    return this.epochsDone;
  }

  /** Dropout of mini-batch t (1-based in the whole run), when training with dropout. */
  private dropout(t: number): DropoutStep | undefined {
    const p = this.config.dropout ?? 0;
    return p > 0 ? { p, seed: dropoutSeed(this.config), t } : undefined;
  }

  private loss(ws: CpuWorkspace): BatchStats {
    const last = ws.net.layers.length - 1;
    const K = classCount(this.config.model);
    const { model } = this.config;
    return model.loss === 'cross-entropy'
      ? softmaxCrossEntropy(ws.grad[last], ws.output, ws.y, ws.B, K)
      : quadraticCost(ws.grad[last], ws.output, ws.y, ws.B, K, model.outputActivation);
  }

  /** The optimiser's step; t is the 1-based number of this mini-batch in the whole run (Adam). */
  private update(lr: number, t: number): void {
    const { l2, momentum } = this.config;
    const optimizer = optimizerOf(this.config);
    if (isAdam(optimizer)) {
      const n = this.layout.total;
      const [m, v] = [this.velocity!.subarray(0, n), this.velocity!.subarray(n)];
      if (optimizer === 'adamw') adamwUpdate(this.params, m, v, this.grads, this.layout, lr, weightDecayOf(this.config), adamParams(this.config), t);
      else adamUpdate(this.params, m, v, this.grads, this.layout, lr, l2, adamParams(this.config), t);
    } else if (this.velocity) sgdMomentumUpdate(this.params, this.velocity, this.grads, this.layout, lr, l2, momentum);
    else sgdUpdate(this.params, this.grads, this.layout, lr, l2);
  }

  /** One mini-batch at learning rate `lr` (learningRate's for it: src/train/schedule.ts): the whole of update_mini_batch. */
  step(start: number, lr: number): BatchStats {
    const ws = this.ws;
    const a = this.augment;
    if (a) augmentBatch(ws.x, ws.y, this.trainImages, this.train.labels, this.perm, start, ws.B, a.shape, a.params, this.epochsDone + 1, a.scratch);
    else gatherBatch(ws.x, ws.y, this.trainImages, this.train.labels, this.perm, start, ws.B, imageBytes(this.train));
    const t = this.epochsDone * this.steps + Math.floor(start / ws.B) + 1;
    const drop = this.dropout(t);
    forwardNetwork(ws, this.params, drop, this.state);
    const stats = this.loss(ws);
    backwardNetwork(ws, this.params, this.grads, drop);
    this.update(lr, t);
    return stats;
  }

  /** Shuffles for the next epoch (exposed for step-level parity tests). */
  shuffle(): Uint32Array {
    return permutation(this.perm, this.rng);
  }

  /** The last mini-batch's workspace and gradients, for parity tests. */
  inspect(): { x: Float32Array; features: Float32Array[]; acts: Float32Array[]; dZ: Float32Array[]; grads: Float32Array } {
    const { x, out, grad } = this.ws;
    const dense = this.net.layers.map((r) => r.layer.type === 'dense');
    return {
      x,
      features: out.filter((_, i) => !dense[i]),
      acts: out.filter((_, i) => dense[i]),
      dZ: grad.filter((_, i) => dense[i]),
      grads: this.grads,
    };
  }

  async trainEpoch(onProgress?: (step: number, steps: number) => void): Promise<EpochReport> {
    const t0 = now();
    const epoch = this.epochsDone + 1;
    const B = this.config.batch;
    const steps = Math.floor(this.train.count / B);
    const rates = epochRates(this.config, epoch, steps);
    const stats = new Float32Array(2 * steps);
    this.shuffle();
    let yielded = now();
    for (let s = 0; s < steps; s++) {
      const { lossSum, correct } = this.step(s * B, rates[s]);
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
      epoch, lr: rates[steps - 1], steps, samples: steps * B, stepLoss: summary.stepLoss, trainLoss: summary.loss, trainAccuracy: summary.accuracy,
      val, seconds: now() - t0, trainSeconds, samplesPerSecond: (steps * B) / trainSeconds,
    };
  }

  /** The network's outputs (logits, or the output activation's values) for every image of a split, (count, K). */
  async logits(split: Split): Promise<Float32Array> {
    const K = classCount(this.config.model);
    const out = new Float32Array(split.count * K);
    const P = imageBytes(split);
    const images = channelsLast(split.images, this.config.model.input);
    const identity = Uint32Array.from({ length: split.count }, (_, i) => i);
    const chunk = Math.min(1000, split.count);
    const full = new CpuWorkspace(this.net, chunk);
    for (let start = 0; start < split.count; start += chunk) {
      const B = Math.min(chunk, split.count - start);
      const ws = B === chunk ? full : new CpuWorkspace(this.net, B);
      gatherBatch(ws.x, ws.y, images, split.labels, identity, start, B, P);
      forwardNetwork(ws, this.params, undefined, this.state);
      out.set(ws.output, start * K);
    }
    return out;
  }

  async evaluate(split: Split): Promise<Evaluation> {
    const K = classCount(this.config.model);
    const preds = new Uint32Array(split.count);
    const rowLoss = new Float32Array(split.count);
    const out = await this.logits(split);
    evaluateRows(preds, rowLoss, out, Uint32Array.from(split.labels), split.count, K, this.config.model.loss);
    return summarizeEvaluation(preds, rowLoss, split.labels);
  }

  async getParams(): Promise<Float32Array> {
    return this.params.slice();
  }

  async setParams(params: Float32Array): Promise<void> {
    this.params.set(params);
  }

  async getLayerState(): Promise<Float32Array> {
    return this.state.slice();
  }

  async setLayerState(state: Float32Array): Promise<void> {
    this.state.set(state);
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
