/**
 * GPU operations of the convolutional layers, with the CPU twins' names and arguments
 * (src/cpu/conv.ts, src/cpu/pool.ts). Each is built once into Dispatches, as in ops.ts.
 *
 * A convolution runs as im2col followed by the dense layer's matmul kernels with
 * M = B·OH·OW rows, K = KH·KW·IC and N = OC: forward (bias and activation fused), weight
 * gradient (the SGD step fusable), and input gradient followed by col2im. Why: at batch 100
 * those matmuls have 19,600–78,400 rows, which fill a GPU's compute units many times over
 * and reuse the matmul variants tuned per adapter, where direct convolution kernels
 * measured 3–10× slower on llvmpipe (their weight gradient sums 78,400 products per
 * weight over only a few hundred weights). The price is the im2col matrix in memory:
 * B·OH·OW·KH·KW·IC floats per layer (31 MB for the `cnn` preset's second layer at batch 100).
 */
import { colShape, type ConvGeometry } from '../cpu/conv.ts';
import type { PoolGeometry } from '../cpu/pool.ts';
import { ACTIVATION_CODE, type Activation } from '../model/spec.ts';
import { flatDispatch } from './dispatch.ts';
import type { KernelCache } from './kernels.ts';
import {
  buildOwning, matmulBackwardInput, matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward, uniformBuffer,
  type Dispatch, type MatmulChoice, type Slice,
} from './ops.ts';

const WG = 256;

type Buf = GPUBuffer | Slice;

function convDims(k: KernelCache, label: string, g: ConvGeometry): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, [g.B, 0, 0, 0]);
}

/** The sizes of lib/conv_common.wgsl, as override constants. */
function convOverrides(g: ConvGeometry): Record<string, number> {
  return { IC: g.IC, H: g.H, W: g.W, KH: g.KH, KW: g.KW, S: g.stride, P: g.pad, OH: g.OH, OW: g.OW };
}

/** col (B·OH·OW, KH·KW·IC) = the input windows of x (B, H, W, IC) (im2col.wgsl). */
export function im2col(k: KernelCache, col: Buf, x: Buf, g: ConvGeometry, label = 'im2col'): Promise<Dispatch> {
  const overrides = { WG, ...convOverrides(g) };
  const { rows, cols } = colShape(g);
  return buildOwning(k, 'im2col', overrides, label, [x, col], convDims(k, label, g), flatDispatch(rows * cols, WG));
}

/** dX (B, H, W, IC) = the im2col gradient dCol summed back ⊙ actPrev'(xPrev) (col2im.wgsl). */
export function col2im(k: KernelCache, dX: Buf, dCol: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation, label = 'col2im'): Promise<Dispatch> {
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], ...convOverrides(g) };
  return buildOwning(k, 'col2im', overrides, label, [dCol, xPrev, dX], convDims(k, label, g), flatDispatch(g.B * g.H * g.W * g.IC, WG));
}

/** out (B, OH, OW, OC) = act(x ⋆ W + b): im2col into col, then the forward matmul. */
export async function conv2dForward(
  k: KernelCache, variant: MatmulChoice, out: Buf, col: Buf, x: Buf, wb: Buf, g: ConvGeometry, act: Activation, label = 'conv2dForward',
): Promise<Dispatch[]> {
  const { rows, cols } = colShape(g);
  return [await im2col(k, col, x, g, `${label} im2col`), await matmulForward(k, variant, out, col, wb, rows, cols, g.OC, act, `${label} matmul`)];
}

/** im2col rows per slice of a split-K weight gradient (a multiple of 64: slices start on 256-byte boundaries). */
export const SPLIT_K_ROWS = 4096;

/** Slices of the weight gradient's B·OH·OW rows: one per SPLIT_K_ROWS, at most 32. */
export function weightSlices(g: ConvGeometry): { slices: number; rowsPerSlice: number } {
  const { rows } = colShape(g);
  const slices = Math.min(32, Math.max(1, Math.round(rows / SPLIT_K_ROWS)));
  const rowsPerSlice = Math.ceil(rows / slices / 64) * 64;
  return { slices: Math.ceil(rows / rowsPerSlice), rowsPerSlice };
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** Bytes of the partial-sum buffer a split-K weight gradient of geometry g needs (0: not split). */
export function weightPartialBytes(g: ConvGeometry): number {
  const { slices } = weightSlices(g);
  return slices > 1 ? slices * align64((colShape(g).cols + 1) * g.OC) * 4 : 0;
}

/**
 * The weight gradient [colᵀ; 1] · dY over B·OH·OW rows, split-K: a K of 19,600–78,400 rows
 * for a (KH·KW·IC + 1) × OC output of a few thousand values would leave most of a GPU idle
 * (and measured 4× slower per FLOP than the forward matmul on llvmpipe). Each slice of
 * rows is one matmul (MODE 2) into `partial`, then weight_grad_reduce adds the slices into
 * out (MODE 2) or applies them as the SGD step (MODE 3). One slice: the matmul alone.
 */
async function weightGradient(
  k: KernelCache, variant: MatmulChoice, out: Buf, col: GPUBuffer, dY: GPUBuffer, partial: GPUBuffer | null, opt: GPUBuffer,
  g: ConvGeometry, mode: 2 | 3, label: string,
): Promise<Dispatch[]> {
  const { rows, cols } = colShape(g);
  const { slices, rowsPerSlice } = weightSlices(g);
  if (slices === 1) {
    return [
      mode === 3
        ? await matmulBackwardWeightUpdate(k, variant, out, col, dY, opt, rows, cols, g.OC, label)
        : await matmulBackwardWeight(k, variant, out, col, dY, rows, cols, g.OC, label),
    ];
  }
  const size = (cols + 1) * g.OC;
  const stride = align64(size);
  if (!partial || partial.size < slices * stride * 4) {
    throw new Error(`${label}: the split-K partial-sum buffer must hold ${slices * stride * 4} bytes (weightPartialBytes).`);
  }
  const out_: Dispatch[] = [];
  for (let s = 0; s < slices; s++) {
    const first = s * rowsPerSlice;
    const n = Math.min(rowsPerSlice, rows - first);
    out_.push(
      await matmulBackwardWeight(
        k, variant, { buffer: partial, offset: s * stride * 4, size: size * 4 },
        { buffer: col, offset: first * cols * 4, size: n * cols * 4 }, { buffer: dY, offset: first * g.OC * 4, size: n * g.OC * 4 },
        n, cols, g.OC, `${label} slice ${s + 1}/${slices}`,
      ),
    );
  }
  const dims = uniformBuffer(k.device, `${label} reduce dims`, [slices, size, cols * g.OC, stride]);
  out_.push(await buildOwning(k, 'weight_grad_reduce', { WG, MODE: mode }, `${label} reduce`, [partial, opt, out], dims, flatDispatch(size, WG)));
  return out_;
}

/** dWb (CKP + 1, OC) = [colᵀ; 1] · dY, col as conv2dForward left it; `partial`: weightPartialBytes(g). */
export function conv2dBackwardWeight(
  k: KernelCache, variant: MatmulChoice, dWb: Buf, col: GPUBuffer, dY: GPUBuffer, partial: GPUBuffer | null, opt: GPUBuffer, g: ConvGeometry,
  label = 'conv2dBackwardWeight',
): Promise<Dispatch[]> {
  return weightGradient(k, variant, dWb, col, dY, partial, opt, g, 2, label);
}

/** wb −= lr·([colᵀ; 1] · dY + l2·W) in place, lr and l2 from the optimiser buffer. */
export function conv2dBackwardWeightUpdate(
  k: KernelCache, variant: MatmulChoice, wb: Buf, col: GPUBuffer, dY: GPUBuffer, partial: GPUBuffer | null, opt: GPUBuffer, g: ConvGeometry,
  label = 'conv2dBackwardWeightUpdate',
): Promise<Dispatch[]> {
  return weightGradient(k, variant, wb, col, dY, partial, opt, g, 3, label);
}

/** dX (B, H, W, IC) = col2im(dY · Wᵀ) ⊙ actPrev'(xPrev); dCol is scratch of colShape(g). */
export async function conv2dBackwardInput(
  k: KernelCache, variant: MatmulChoice, dX: Buf, dCol: Buf, dY: Buf, wb: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation,
  label = 'conv2dBackwardInput',
): Promise<Dispatch[]> {
  const { rows, cols } = colShape(g);
  return [
    await matmulBackwardInput(k, variant, dCol, dY, wb, dY, rows, cols, g.OC, 'identity', `${label} matmul`),
    await col2im(k, dX, dCol, xPrev, g, actPrev, `${label} col2im`),
  ];
}

function poolDims(k: KernelCache, label: string, g: PoolGeometry): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, [g.B, 0, 0, 0]);
}

/** The sizes of lib/pool_common.wgsl, as override constants. */
function poolOverrides(g: PoolGeometry): Record<string, number> {
  return { C: g.C, H: g.H, W: g.W, K: g.K, S: g.stride, P: g.pad, OH: g.OH, OW: g.OW };
}

/** out (B, OH, OW, C) = window maxima of x; argmax (u32) = where each came from (maxpool_forward.wgsl). */
export function maxPoolForward(k: KernelCache, out: Buf, argmax: Buf, x: Buf, g: PoolGeometry, label = 'maxPoolForward'): Promise<Dispatch> {
  const n = g.B * g.C * g.OH * g.OW;
  return buildOwning(k, 'maxpool_forward', { WG, ...poolOverrides(g) }, label, [x, out, argmax], poolDims(k, label, g), flatDispatch(n, WG));
}

/** dX (B, H, W, C): each output's gradient routed to its argmax, ⊙ actPrev'(xPrev) (maxpool_backward.wgsl). */
export function maxPoolBackward(
  k: KernelCache, dX: Buf, dY: Buf, argmax: Buf, xPrev: Buf, g: PoolGeometry, actPrev: Activation, label = 'maxPoolBackward',
): Promise<Dispatch> {
  const n = g.B * g.C * g.H * g.W;
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], ...poolOverrides(g) };
  return buildOwning(k, 'maxpool_backward', overrides, label, [dY, argmax, xPrev, dX], poolDims(k, label, g), flatDispatch(n, WG));
}
