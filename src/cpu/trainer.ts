/**
 * The CPU reference trainer: Nielsen's update_mini_batch / backprop, kernel for kernel the
 * same steps the GPU scheduler encodes (src/gpu/trainer.ts), in Float32Arrays.
 */
import type { Split } from '../data/dataset.ts';
import { denseBlocks, type LayerBlock, type ParamLayout } from '../model/layout.ts';
import { initParams } from '../model/init.ts';
import { permutation, type Rng } from '../model/rng.ts';
import { inputSize, layerActivations, type Activation, type ModelSpec } from '../model/spec.ts';
import { adamParams, dropoutSeed, lrAtEpoch, optimizerOf, type TrainConfig } from '../train/config.ts';
import { dropout } from './dropout.ts';
import { featureStages, type FeatureStage } from '../model/stages.ts';
import { colShape, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './conv.ts';
import { maxPoolBackward, maxPoolForward } from './pool.ts';
import {
  shuffleRng, summarizeEvaluation, summarizeSteps, type EpochReport, type Evaluation, type Trainer, type TrainerState,
} from '../train/trainer.ts';
import { gatherBatch } from './gather.ts';
import { evaluateRows, quadraticCost, softmaxCrossEntropy, type BatchStats } from './loss.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import { adamUpdate, sgdMomentumUpdate, sgdUpdate } from './update.ts';

const now = () => performance.now() / 1000;
/** How long an epoch runs at most without giving the event loop a turn. */
const YIELD_SECONDS = 0.05;

/** Activations of one mini-batch, layer by layer, and their gradients. */
class Workspace {
  x: Float32Array;
  y: Uint32Array;
  /**
   * Feature layers' outputs (NHWC), gradients (conv: before the activation; pool: of the
   * output), pooling argmax, each convolution's im2col matrix, and the im2col-gradient scratch.
   */
  fa: Float32Array[];
  fd: Float32Array[];
  argmax: Uint32Array[];
  cols: Float32Array[];
  dCol: Float32Array;
  stages: FeatureStage[];
  acts: Float32Array[];
  dZ: Float32Array[];
  constructor(readonly B: number, spec: ModelSpec, layout: ParamLayout) {
    this.x = new Float32Array(B * inputSize(spec));
    this.y = new Uint32Array(B);
    this.stages = featureStages(spec, layout, B);
    this.fa = this.stages.map((s) => new Float32Array(B * s.outSize));
    this.fd = this.stages.map((s) => new Float32Array(B * s.outSize));
    this.argmax = this.stages.map((s) => new Uint32Array(s.kind === 'pool' ? B * s.outSize : 0));
    const colSize = (s: FeatureStage) => (s.conv ? colShape(s.conv).rows * colShape(s.conv).cols : 0);
    this.cols = this.stages.map((s) => new Float32Array(colSize(s)));
    this.dCol = new Float32Array(Math.max(0, ...this.stages.slice(1).map(colSize)));
    this.acts = spec.sizes.slice(1).map((n) => new Float32Array(B * n));
    this.dZ = spec.sizes.slice(1).map((n) => new Float32Array(B * n));
  }

  /** The dense layers' input: the last feature layer's output, or the images. */
  get denseInput(): Float32Array {
    return this.fa.length ? this.fa[this.fa.length - 1] : this.x;
  }
}

export class CpuTrainer implements Trainer {
  readonly kind = 'cpu';
  readonly description = 'CPU reference (single-threaded TypeScript)';
  readonly layout: ParamLayout;
  private params: Float32Array;
  private grads: Float32Array;
  /** Optimiser state: the velocity (momentum), or Adam's m then v; null for plain SGD. */
  private velocity: Float32Array | null;
  private acts: Activation[];
  private dense: LayerBlock[];
  private steps: number;
  private rng: Rng;
  private perm: Uint32Array;
  private ws: Workspace;
  private epochsDone = 0;

  constructor(readonly config: TrainConfig, readonly train: Split, readonly val: Split) {
    const { params, layout } = initParams(config.model, config.seed);
    this.params = params;
    this.layout = layout;
    this.grads = new Float32Array(layout.total);
    const optimizer = optimizerOf(config);
    this.velocity = optimizer === 'sgd' ? null : new Float32Array(layout.total * (optimizer === 'adam' ? 2 : 1));
    this.acts = layerActivations(config.model);
    this.dense = denseBlocks(layout);
    this.rng = shuffleRng(config.seed);
    this.perm = new Uint32Array(train.count);
    this.steps = Math.floor(train.count / config.batch);
    this.ws = new Workspace(config.batch, config.model, layout);
  }

  private block(b: LayerBlock): Float32Array {
    return this.params.subarray(b.offset, b.offset + b.size);
  }

  get epoch(): number {
    return this.epochsDone;
  }

  /** Dropout of hidden dense layer l's units (or their gradient) for mini-batch t, when training with dropout. */
  private drop(x: Float32Array, l: number, B: number, t: number): void {
    const p = this.config.dropout ?? 0;
    if (p > 0 && l < this.dense.length - 1) dropout(x, B * this.dense[l].OC, dropoutSeed(this.config), l, t, p);
  }

  /** Forward pass of ws.x through every layer into ws.fa and ws.acts; t > 0: training mini-batch t (dropout). */
  private forward(ws: Workspace, t = 0): void {
    ws.stages.forEach((s, f) => {
      const input = f === 0 ? ws.x : ws.fa[f - 1];
      if (s.kind === 'conv') conv2dForward(ws.fa[f], ws.cols[f], input, this.block(s.block!), s.conv!, s.act);
      else maxPoolForward(ws.fa[f], ws.argmax[f], input, s.pool!);
    });
    this.dense.forEach((block, l) => {
      const input = l === 0 ? ws.denseInput : ws.acts[l - 1];
      matmulForward(ws.acts[l], input, this.block(block), ws.B, block.C, block.OC, this.acts[l]);
      if (t > 0) this.drop(ws.acts[l], l, ws.B, t);
    });
  }

  private loss(ws: Workspace): BatchStats {
    const last = this.dense.length - 1;
    const K = this.dense[last].OC;
    const { model } = this.config;
    return model.loss === 'cross-entropy'
      ? softmaxCrossEntropy(ws.dZ[last], ws.acts[last], ws.y, ws.B, K)
      : quadraticCost(ws.dZ[last], ws.acts[last], ws.y, ws.B, K, model.outputActivation);
  }

  /** Gradients of the batch's mean loss into this.grads, last layer first. */
  private backward(ws: Workspace, t: number): void {
    const F = ws.stages.length;
    for (let l = this.dense.length - 1; l >= 0; l--) {
      const block = this.dense[l];
      const input = l === 0 ? ws.denseInput : ws.acts[l - 1];
      matmulBackwardWeight(this.grads.subarray(block.offset, block.offset + block.size), input, ws.dZ[l], ws.B, block.C, block.OC);
      if (l > 0) {
        matmulBackwardInput(ws.dZ[l - 1], ws.dZ[l], this.block(block), ws.acts[l - 1], ws.B, block.C, block.OC, this.acts[l - 1]);
        this.drop(ws.dZ[l - 1], l - 1, ws.B, t);
      } else if (F > 0) {
        matmulBackwardInput(ws.fd[F - 1], ws.dZ[0], this.block(block), ws.fa[F - 1], ws.B, block.C, block.OC, ws.stages[F - 1].act);
      }
    }
    for (let f = F - 1; f >= 0; f--) {
      const s = ws.stages[f];
      const input = f === 0 ? ws.x : ws.fa[f - 1];
      const prevAct = f === 0 ? 'identity' : ws.stages[f - 1].act;
      if (s.kind === 'conv') {
        const b = s.block!;
        conv2dBackwardWeight(this.grads.subarray(b.offset, b.offset + b.size), ws.cols[f], ws.fd[f], s.conv!);
        if (f > 0) conv2dBackwardInput(ws.fd[f - 1], ws.dCol, ws.fd[f], this.block(b), input, s.conv!, prevAct);
      } else if (f > 0) {
        maxPoolBackward(ws.fd[f - 1], ws.fd[f], ws.argmax[f], input, s.pool!, prevAct);
      }
    }
  }

  /** The optimiser's step; t is the 1-based number of this mini-batch in the whole run (Adam). */
  private update(lr: number, t: number): void {
    const { l2, momentum } = this.config;
    const optimizer = optimizerOf(this.config);
    if (optimizer === 'adam') {
      const n = this.layout.total;
      const v = this.velocity!;
      adamUpdate(this.params, v.subarray(0, n), v.subarray(n), this.grads, this.layout, lr, l2, adamParams(this.config), t);
    } else if (this.velocity) sgdMomentumUpdate(this.params, this.velocity, this.grads, this.layout, lr, l2, momentum);
    else sgdUpdate(this.params, this.grads, this.layout, lr, l2);
  }

  /** One mini-batch: the whole of update_mini_batch. */
  step(start: number, lr: number): BatchStats {
    const ws = this.ws;
    const P = this.train.rows * this.train.cols;
    gatherBatch(ws.x, ws.y, this.train.images, this.train.labels, this.perm, start, ws.B, P);
    const t = this.epochsDone * this.steps + Math.floor(start / ws.B) + 1;
    this.forward(ws, t);
    const stats = this.loss(ws);
    this.backward(ws, t);
    this.update(lr, t);
    return stats;
  }

  /** Shuffles for the next epoch (exposed for step-level parity tests). */
  shuffle(): Uint32Array {
    return permutation(this.perm, this.rng);
  }

  /** The last mini-batch's workspace and gradients, for parity tests. */
  inspect(): { x: Float32Array; features: Float32Array[]; acts: Float32Array[]; dZ: Float32Array[]; grads: Float32Array } {
    return { x: this.ws.x, features: this.ws.fa, acts: this.ws.acts, dZ: this.ws.dZ, grads: this.grads };
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

  /** The network's outputs (logits, or the output activation's values) for every image of a split, (count, K). */
  async logits(split: Split): Promise<Float32Array> {
    const K = this.dense[this.dense.length - 1].OC;
    const out = new Float32Array(split.count * K);
    const P = split.rows * split.cols;
    const identity = Uint32Array.from({ length: split.count }, (_, i) => i);
    const chunk = Math.min(1000, split.count);
    const full = new Workspace(chunk, this.config.model, this.layout);
    for (let start = 0; start < split.count; start += chunk) {
      const B = Math.min(chunk, split.count - start);
      const ws = B === chunk ? full : new Workspace(B, this.config.model, this.layout);
      gatherBatch(ws.x, ws.y, split.images, split.labels, identity, start, B, P);
      this.forward(ws);
      out.set(ws.acts[ws.acts.length - 1], start * K);
    }
    return out;
  }

  async evaluate(split: Split): Promise<Evaluation> {
    const K = this.dense[this.dense.length - 1].OC;
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
