/**
 * GPU operations of the convolutional layers, with the CPU twins' names and arguments
 * (src/cpu/conv.ts, src/cpu/pool.ts), and Adam (src/cpu/update.ts adamUpdate). Each is
 * built once into a Dispatch, as in ops.ts.
 *
 * Shapes on a GPU (per dispatch, batch 100, LeNet-5's second convolution 6→16, 5×5 on
 * 14×14 → 10×10): the forward pass has B·⌈OC/4⌉·OH·⌈OW/4⌉ = 12,000 invocations of 4×4
 * outputs, each 150 loads of 4 inputs and 4 weights; the weight gradient is split into
 * batch slices so that it too has tens of thousands of invocations (see weightSlices),
 * where a per-weight reduction would give 600 invocations for a 132-CU GPU.
 */
import type { ConvGeometry } from '../cpu/conv.ts';
import type { PoolGeometry } from '../cpu/pool.ts';
import { ACTIVATION_CODE, type Activation } from '../model/spec.ts';
import { ceilDiv, flatDispatch } from './dispatch.ts';
import type { KernelCache } from './kernels.ts';
import { build, buildOwning, uniformBuffer, type Dispatch, type Slice } from './ops.ts';

const WG = 64;

type Buf = GPUBuffer | Slice;

/** Invocations the weight-gradient kernel aims for: enough to fill a large GPU several times. */
const WEIGHT_GRADIENT_INVOCATIONS = 1 << 16;

/**
 * Batch slices of the weight gradient: as many as bring the invocation count to about
 * 65,536, at most one per sample. More slices mean more parallel work and a longer
 * reduction (conv2d_weight_reduce reads SLICES values per parameter).
 */
export function weightSlices(g: ConvGeometry): number {
  const perSlice = ceilDiv(g.OC, 4) * (g.IC * g.KH * g.KW + 1);
  return Math.max(1, Math.min(g.B, ceilDiv(WEIGHT_GRADIENT_INVOCATIONS, perSlice)));
}

function convDims(k: KernelCache, label: string, g: ConvGeometry, slices = 1): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, [
    g.B, g.IC, g.H, g.W, g.OC, g.KH, g.KW, g.stride, g.pad, g.OH, g.OW, ceilDiv(g.OC, 4), ceilDiv(g.IC, 4), ceilDiv(g.OW, 4), slices, 0,
  ]);
}

/** out (B, OC, OH, OW) = act(x (B, IC, H, W) ⋆ W + b), cross-correlation (conv2d_forward.wgsl). */
export function conv2dForward(
  k: KernelCache, out: Buf, x: Buf, wb: Buf, g: ConvGeometry, act: Activation, label = 'conv2dForward',
): Promise<Dispatch> {
  const n = g.B * ceilDiv(g.OC, 4) * g.OH * ceilDiv(g.OW, 4);
  return buildOwning(k, 'conv2d_forward', { WG, ACT: ACTIVATION_CODE[act] }, label, [x, wb, out], convDims(k, label, g), flatDispatch(n, WG));
}

/** dX (B, IC, H, W) = (dY transposed-convolved with W) ⊙ actPrev'(xPrev) (conv2d_backward_input.wgsl). */
export function conv2dBackwardInput(
  k: KernelCache, dX: Buf, dY: Buf, wb: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation, label = 'conv2dBackwardInput',
): Promise<Dispatch> {
  const n = g.B * ceilDiv(g.IC, 4) * g.H * g.W;
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev] };
  return buildOwning(k, 'conv2d_backward_input', overrides, label, [dY, wb, xPrev, dX], convDims(k, label, g), flatDispatch(n, WG));
}

/**
 * The weight gradient as two dispatches: per-slice partial sums (conv2d_backward_weight),
 * then their sum into dWb (MODE 2), or applied to wb as an SGD step in place (MODE 3, with
 * `opt` the optimiser buffer). `partial` holds weightSlices(g)·(CK + 1)·OC floats and can
 * be shared by every layer of a network (they run one after another).
 */
async function weightGradient(
  k: KernelCache, out: Buf, x: Buf, dY: Buf, partial: GPUBuffer, opt: Buf, g: ConvGeometry, mode: 2 | 3, label: string,
): Promise<Dispatch[]> {
  const slices = weightSlices(g);
  const CK = g.IC * g.KH * g.KW;
  const size = (CK + 1) * g.OC;
  if (partial.size < slices * size * 4) {
    throw new Error(`${label}: the partial-sum buffer holds ${partial.size} bytes; this layer needs ${slices * size * 4}.`);
  }
  const sums = await buildOwning(
    k, 'conv2d_backward_weight', { WG }, `${label} slices`, [x, dY, partial], convDims(k, label, g, slices),
    flatDispatch(slices * ceilDiv(g.OC, 4) * (CK + 1), WG),
  );
  const dims = uniformBuffer(k.device, `${label} reduce dims`, [slices, size, CK * g.OC, 0]);
  const reduce = await buildOwning(k, 'conv2d_weight_reduce', { WG, MODE: mode }, `${label} reduce`, [partial, opt, out], dims, flatDispatch(size, WG));
  return [sums, reduce];
}

/** Bytes of the partial-sum buffer the weight gradient of geometry g needs. */
export function weightPartialBytes(g: ConvGeometry): number {
  return weightSlices(g) * (g.IC * g.KH * g.KW + 1) * g.OC * 4;
}

/** dWb ((IC·KH·KW + 1)·OC): dW (OC, IC, KH, KW), then dB (OC). */
export function conv2dBackwardWeight(
  k: KernelCache, dWb: Buf, x: Buf, dY: Buf, partial: GPUBuffer, opt: Buf, g: ConvGeometry, label = 'conv2dBackwardWeight',
): Promise<Dispatch[]> {
  return weightGradient(k, dWb, x, dY, partial, opt, g, 2, label);
}

/** wb −= lr·(dWb + l2·W) in place, lr and l2 from the optimiser buffer (biases not decayed). */
export function conv2dBackwardWeightUpdate(
  k: KernelCache, wb: Buf, x: Buf, dY: Buf, partial: GPUBuffer, opt: Buf, g: ConvGeometry, label = 'conv2dBackwardWeightUpdate',
): Promise<Dispatch[]> {
  return weightGradient(k, wb, x, dY, partial, opt, g, 3, label);
}

function poolDims(k: KernelCache, label: string, g: PoolGeometry): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, [g.B, g.C, g.H, g.W, g.K, g.stride, g.pad, g.OH, g.OW, 0, 0, 0]);
}

/** out (B, C, OH, OW) = window maxima of x; argmax (u32) = where each came from (maxpool_forward.wgsl). */
export function maxPoolForward(k: KernelCache, out: Buf, argmax: Buf, x: Buf, g: PoolGeometry, label = 'maxPoolForward'): Promise<Dispatch> {
  const n = g.B * g.C * g.OH * g.OW;
  return buildOwning(k, 'maxpool_forward', { WG }, label, [x, out, argmax], poolDims(k, label, g), flatDispatch(n, WG));
}

/** dX (B, C, H, W): each output's gradient routed to its argmax, ⊙ actPrev'(xPrev) (maxpool_backward.wgsl). */
export function maxPoolBackward(
  k: KernelCache, dX: Buf, dY: Buf, argmax: Buf, xPrev: Buf, g: PoolGeometry, actPrev: Activation, label = 'maxPoolBackward',
): Promise<Dispatch> {
  const n = g.B * g.C * g.H * g.W;
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev] };
  return buildOwning(k, 'maxpool_backward', overrides, label, [dY, argmax, xPrev, dX], poolDims(k, label, g), flatDispatch(n, WG));
}

const FLAT_WG = 256;

/** One Adam step over the whole parameter buffer (adam_update.wgsl); t comes from opt.t0 and the step. */
export function adamUpdate(
  k: KernelCache, params: GPUBuffer, m: Buf, v: Buf, grads: GPUBuffer, opt: GPUBuffer, n: number, step: GPUBindGroup,
): Promise<Dispatch> {
  if (n % 4 !== 0) throw new Error(`Parameter buffers hold whole 64-float blocks; got ${n} floats.`);
  return build(k, 'adam_update', { WG: FLAT_WG }, 'adamUpdate', [grads, params, m, v], opt, flatDispatch(n / 4, FLAT_WG), step);
}
