/**
 * Average pooling and global average pooling on the GPU, with the CPU twins' names and
 * arguments (src/cpu/avgpool.ts). Each is built once into a Dispatch that owns its uniform.
 */
import type { PoolGeometry } from '../../cpu/pool.ts';
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { flatDispatch } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { buildOwning, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import { batchDims } from '../uniforms.ts';

const WG = 256;

type Buf = GPUBuffer | Slice;

/** The PoolDims / GapDims uniform: the batch size. */
function dimsBuffer(k: KernelCache, label: string, B: number): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, batchDims(B));
}

/** The sizes of lib/pool_common.wgsl, as override constants. */
function poolOverrides(g: PoolGeometry): Record<string, number> {
  return { C: g.C, H: g.H, W: g.W, K: g.K, S: g.stride, P: g.pad, OH: g.OH, OW: g.OW };
}

/** out (B, OH, OW, C) = window sums of x (zero padded) / K² (avgpool_forward.wgsl). */
export function avgPoolForward(k: KernelCache, out: Buf, x: Buf, g: PoolGeometry, label = 'avgPoolForward'): Promise<Dispatch> {
  const n = g.B * g.C * g.OH * g.OW;
  return buildOwning(k, 'avgpool_forward', { WG, ...poolOverrides(g) }, label, [x, out], dimsBuffer(k, label, g.B), flatDispatch(n, WG));
}

/** dX (B, H, W, C) = Σ dY / K² over the covering windows ⊙ actPrev'(xPrev) (avgpool_backward.wgsl). */
export function avgPoolBackward(
  k: KernelCache, dX: Buf, dY: Buf, xPrev: Buf, g: PoolGeometry, actPrev: Activation, label = 'avgPoolBackward',
): Promise<Dispatch> {
  const n = g.B * g.C * g.H * g.W;
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], ...poolOverrides(g) };
  return buildOwning(k, 'avgpool_backward', overrides, label, [dY, xPrev, dX], dimsBuffer(k, label, g.B), flatDispatch(n, WG));
}

/** out (B, C) = the mean of each channel of x (B, H, W, C) (globalavgpool_forward.wgsl). */
export function globalAvgPoolForward(
  k: KernelCache, out: Buf, x: Buf, B: number, C: number, H: number, W: number, label = 'globalAvgPoolForward',
): Promise<Dispatch> {
  return buildOwning(k, 'globalavgpool_forward', { WG, C, H, W }, label, [x, out], dimsBuffer(k, label, B), flatDispatch(B * C, WG));
}

/** dX (B, H, W, C) = dY[b, c] / (H·W) ⊙ actPrev'(xPrev) (globalavgpool_backward.wgsl). */
export function globalAvgPoolBackward(
  k: KernelCache, dX: Buf, dY: Buf, xPrev: Buf, B: number, C: number, H: number, W: number, actPrev: Activation,
  label = 'globalAvgPoolBackward',
): Promise<Dispatch> {
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], C, H, W };
  return buildOwning(k, 'globalavgpool_backward', overrides, label, [dY, xPrev, dX], dimsBuffer(k, label, B), flatDispatch(B * H * W * C, WG));
}
