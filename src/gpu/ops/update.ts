/**
 * The optimiser: its uniform (shaders/lib/optimizer.wgsl) and the update kernels over the
 * whole parameter buffer, CPU twins in src/cpu/update.ts.
 */
import type { LayerBlock, ParamLayout } from '../../model/param-block.ts';
import { build, FLAT_WG, flatDispatch, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';

const MAX_LAYERS = 16;

/** Bytes of the optimiser uniform: lr, l2, momentum, layer count, segments, Adam's β1, β2, ε, t0, AdamW's weight decay. */
export const OPTIMIZER_BYTES = 16 + 16 * MAX_LAYERS + 32;

/**
 * Adam's fields of the optimiser uniform: β1, β2, ε, the steps taken before this epoch, and
 * AdamW's decoupled weight decay (absent: 0).
 */
export interface AdamWords {
  beta1: number;
  beta2: number;
  eps: number;
  t0: number;
  weightDecay?: number;
}

export function optimizerWords(layout: ParamLayout, lr: number, l2: number, momentum: number, adam?: AdamWords): ArrayBuffer {
  if (layout.layers.length > MAX_LAYERS) {
    throw new Error(`wgtrain supports at most ${MAX_LAYERS} layers with parameters; this model has ${layout.layers.length}.`);
  }
  const data = new ArrayBuffer(OPTIMIZER_BYTES);
  const f32 = new Float32Array(data);
  const u32 = new Uint32Array(data);
  f32[0] = lr;
  f32[1] = l2;
  f32[2] = momentum;
  u32[3] = layout.layers.length;
  layout.layers.forEach((l: LayerBlock, i) => u32.set([l.offset, l.offset + l.weights, l.offset + l.size, 0], 4 + 4 * i));
  const a = 4 + 4 * MAX_LAYERS;
  if (adam) {
    f32.set([adam.beta1, adam.beta2, adam.eps], a);
    u32[a + 3] = adam.t0;
    f32[a + 4] = adam.weightDecay ?? 0;
  }
  return data;
}

export function optimizerBuffer(device: GPUDevice, layout: ParamLayout, lr: number, l2: number, momentum: number): GPUBuffer {
  // STORAGE too: matmulBackwardWeightUpdate reads lr and l2 from it as a storage buffer.
  const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const buffer = device.createBuffer({ label: 'optimizer', size: OPTIMIZER_BYTES, usage });
  device.queue.writeBuffer(buffer, 0, optimizerWords(layout, lr, l2, momentum));
  return buffer;
}

/** The update kernels take four floats per invocation; layouts are whole 64-float blocks. */
function vec4Count(n: number): number {
  if (n % 4 !== 0) throw new Error(`Parameter buffers hold whole 64-float blocks; got ${n} floats.`);
  return n / 4;
}

/**
 * params −= lr·(grads + l2·W) over the whole buffer (weights decay, biases do not): sgd_update
 * without MOMENTUM; lr is the step's (step.lr).
 */
export async function sgdUpdate(
  k: KernelCache, params: GPUBuffer, grads: GPUBuffer, opt: GPUBuffer, n: number, step: GPUBindGroup,
): Promise<Dispatch> {
  const dispatch = flatDispatch(vec4Count(n), FLAT_WG);
  const noVelocity = k.device.createBuffer({ label: 'sgdUpdate no velocity', size: 16, usage: GPUBufferUsage.STORAGE });
  const d = await build(k, 'sgd_update', { WG: FLAT_WG, MOMENTUM: false }, 'sgdUpdate', [grads, params, noVelocity], opt, dispatch, step);
  d.owned.push(noVelocity);
  return d;
}

/** velocity = μ·velocity + grads + l2·W, params −= lr·velocity: sgd_update with MOMENTUM; lr is the step's. */
export function sgdMomentumUpdate(
  k: KernelCache, params: GPUBuffer, velocity: GPUBuffer, grads: GPUBuffer, opt: GPUBuffer, n: number, step: GPUBindGroup,
): Promise<Dispatch> {
  const dispatch = flatDispatch(vec4Count(n), FLAT_WG);
  return build(k, 'sgd_update', { WG: FLAT_WG, MOMENTUM: true }, 'sgdMomentumUpdate', [grads, params, velocity], opt, dispatch, step);
}

/**
 * One Adam step over the whole parameter buffer (adam_update.wgsl), or with `decoupled` one
 * AdamW step (weight decay opt.weightDecay); t comes from opt.t0 and the step, lr from the step.
 */
export function adamUpdate(
  k: KernelCache, params: GPUBuffer, m: GPUBuffer | Slice, v: GPUBuffer | Slice, grads: GPUBuffer, opt: GPUBuffer, n: number, step: GPUBindGroup,
  decoupled = false,
): Promise<Dispatch> {
  if (n % 4 !== 0) throw new Error(`Parameter buffers hold whole 64-float blocks; got ${n} floats.`);
  const label = decoupled ? 'adamwUpdate' : 'adamUpdate';
  return build(k, 'adam_update', { WG: FLAT_WG, DECOUPLED: decoupled }, label, [grads, params, m, v], opt, flatDispatch(n / 4, FLAT_WG), step);
}
