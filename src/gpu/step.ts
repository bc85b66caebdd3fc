/**
 * One training step (and the evaluation pass) as lists of dispatches, built by walking the
 * network's layers through their modules (src/layers), as the CPU trainer walks them
 * (src/cpu/network.ts): gather, forward in order, the loss, backward in reverse, the update.
 * Everything follows the step plan (step-plan.ts); nothing here chooses.
 */
import { moduleOf } from '../layers/index.ts';
import type { GpuLayerContext, ResolvedLayer } from '../layers/layer.ts';
import { shapeSize } from '../model/spec.ts';
import { dropoutSeed, isAdam, optimizerOf, type TrainConfig } from '../train/config.ts';
import type { StepPlan } from './step-plan.ts';
import type { GpuWorkspace } from './workspace.ts';
import type { Dispatch } from './dispatch.ts';
import type { AugmentParams, ImageShape } from '../cpu/augment.ts';
import { augmentBatch } from './ops/augment.ts';
import { dropout } from './ops/dropout.ts';
import { gatherBatch } from './ops/gather.ts';
import { quadraticCost, softmaxCrossEntropy } from './ops/loss.ts';
import { outputLayer } from './ops/output-layer.ts';
import { adamUpdate, sgdMomentumUpdate, sgdUpdate } from './ops/update.ts';

/** The buffers a step reads and writes besides the workspace. */
export interface StepState extends GpuLayerContext {
  config: TrainConfig;
  plan: StepPlan;
  params: GPUBuffer;
  /** Untrained layer state (batch norm's running statistics, stateLayout); no optimiser binds it. */
  layerState: GPUBuffer;
  /** Absent when the update is fused. */
  grads?: GPUBuffer;
  /** Momentum's velocity, or Adam's m then v. */
  velocity: GPUBuffer | null;
  /** Floats in the parameter buffer. */
  total: number;
  /** Per-step stats (statsRows pairs per step). */
  stats: GPUBuffer;
}

/** A split resident on the GPU: packed image bytes and labels, and the order to read them in. */
export interface GatherSource {
  images: GPUBuffer;
  labels: GPUBuffer;
  indices: GPUBuffer;
  /** Pixels per image. */
  P: number;
  /** The training split's augmentation (the plan's `augment`), with its images' shape; absent: a plain gather. */
  augment?: { params: AugmentParams; shape: ImageShape };
}

const dropoutP = (config: TrainConfig) => config.dropout ?? 0;

function dropoutOf(s: StepState, ws: GpuWorkspace, r: ResolvedLayer, x: GPUBuffer, step: GPUBindGroup, label: string): Promise<Dispatch>[] {
  const p = dropoutP(s.config);
  if (!(p > 0) || r.dropoutLayer === null) return [];
  return [dropout(s.k, x, ws.B * shapeSize(r.out), dropoutSeed(s.config), r.dropoutLayer, p, s.opt, step, label)];
}

/** The mini-batch (or evaluation chunk) into ws.x and ws.y. */
export async function gather(s: StepState, ws: GpuWorkspace, src: GatherSource, step: GPUBindGroup, tag: string): Promise<Dispatch[]> {
  if (ws.training && s.plan.augment) {
    if (!src.augment) throw new Error(`${tag} gather: the plan augments the training batch, but its source has no augmentation parameters.`);
    const { params, shape } = src.augment;
    return augmentBatch(s.k, ws.x, ws.y, src.images, src.labels, src.indices, ws.B, shape, params, s.opt, step, `${tag} augment`);
  }
  return [await gatherBatch(s.k, ws.input, ws.y, src.images, src.labels, src.indices, ws.B, src.P, step, `${tag} gather`)];
}

/**
 * The forward pass, layer by layer, with dropout on hidden dense layers when training;
 * without the output layer when the plan fuses it into the loss.
 */
export async function forward(s: StepState, ws: GpuWorkspace, step: GPUBindGroup, tag: string): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (const r of ws.net.layers) {
    if (ws.training && r.isOutput && s.plan.fuseOutput) break;
    out.push(...(await moduleOf(r.layer).gpu.forward(s, r as never, ws.io(r.index, s.params, s.grads, s.layerState), tag)));
    if (ws.training) out.push(...(await Promise.all(dropoutOf(s, ws, r, ws.out[r.index], step, `${tag} dropout ${r.ordinal}`))));
  }
  return out;
}

/**
 * The loss and its gradient at the output (ws.grad of the last layer), the step's stats:
 * with the fused output layer, also its forward pass and the gradient of the layer before
 * (through that layer's dropout mask).
 */
export async function loss(s: StepState, ws: GpuWorkspace, step: GPUBindGroup): Promise<Dispatch[]> {
  const { model } = s.config;
  const last = ws.net.layers.length - 1;
  const r = ws.net.layers[last];
  const K = shapeSize(r.out);
  if (!s.plan.fuseOutput) {
    return [
      model.loss === 'cross-entropy'
        ? await softmaxCrossEntropy(s.k, ws.grad[last], ws.output, ws.y, s.stats, ws.B, K, step)
        : await quadraticCost(s.k, ws.grad[last], ws.output, ws.y, s.stats, ws.B, K, model.outputActivation, step),
    ];
  }
  const io = ws.io(last, s.params, s.grads, s.layerState);
  if ('bytes' in io.x) throw new Error('The fused output layer reads floats; the plan gives it no byte batch.');
  const prev = last > 0 ? ws.net.layers[last - 1] : null;
  const p = dropoutP(s.config);
  const drop = prev?.dropoutLayer != null && p > 0 ? { seed: dropoutSeed(s.config), layer: prev.dropoutLayer, p, opt: s.opt } : undefined;
  return [
    await outputLayer(
      s.k, ws.output, ws.grad[last], io.dIn, s.stats, io.x, io.params!, ws.y, ws.B, shapeSize(r.in), K, model.loss, model.outputActivation,
      r.prevAct, step, 'output layer', { dropout: drop },
    ),
  ];
}

/** The backward pass in reverse layer order: parameter gradients (or fused SGD) and each input's gradient. */
export async function backward(s: StepState, ws: GpuWorkspace, step: GPUBindGroup): Promise<Dispatch[]> {
  const out: Dispatch[] = [];
  for (let i = ws.net.layers.length - 1; i >= 0; i--) {
    const r = ws.net.layers[i];
    // output_layer has written the output layer's input gradient, dropout mask included.
    const inputGradient = !(r.isOutput && s.plan.fuseOutput);
    out.push(...(await moduleOf(r.layer).gpu.backward(s, r as never, ws.io(i, s.params, s.grads, s.layerState), inputGradient)));
    if (i > 0 && inputGradient) out.push(...(await Promise.all(dropoutOf(s, ws, ws.net.layers[i - 1], ws.grad[i - 1], step, `backward dropout ${ws.net.layers[i - 1].ordinal}`))));
  }
  return out;
}

/** The optimiser's step over the whole parameter buffer (none when SGD is fused into the gradients). */
export async function update(s: StepState, step: GPUBindGroup): Promise<Dispatch[]> {
  if (s.plan.fuseUpdate) return [];
  const n = s.total;
  const optimizer = optimizerOf(s.config);
  if (isAdam(optimizer)) {
    const m = { buffer: s.velocity!, offset: 0, size: n * 4 };
    const v = { buffer: s.velocity!, offset: n * 4, size: n * 4 };
    return [await adamUpdate(s.k, s.params, m, v, s.grads!, s.opt, n, step, optimizer === 'adamw')];
  }
  return [
    s.velocity
      ? await sgdMomentumUpdate(s.k, s.params, s.velocity, s.grads!, s.opt, n, step)
      : await sgdUpdate(s.k, s.params, s.grads!, s.opt, n, step),
  ];
}

