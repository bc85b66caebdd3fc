/** Max pooling on the GPU, CPU twin src/cpu/pool.ts. */
import type { PoolGeometry } from '../../cpu/pool.ts';
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { buildOwning, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { batchDims } from '../uniforms.ts';

const WG = 256;

type Buf = GPUBuffer | Slice;


function poolDims(k: KernelCache, label: string, g: PoolGeometry): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, batchDims(g.B));
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

/**
 * Which kernel runs max pooling's backward pass: with windows that do not overlap (S ≥ K,
 * the usual pool2) maxpool_backward_cells, one invocation per output as the forward pass
 * (2.5–4× faster than the gather on llvmpipe); otherwise maxpool_backward, the gather over
 * the windows covering each input.
 */
export function maxPoolBackwardKernel(g: PoolGeometry): 'maxpool_backward_cells' | 'maxpool_backward' {
  return g.stride >= g.K ? 'maxpool_backward_cells' : 'maxpool_backward';
}

/** dX (B, H, W, C): each output's gradient routed to its argmax, ⊙ actPrev'(xPrev) (maxPoolBackwardKernel's kernel). */
export function maxPoolBackward(
  k: KernelCache, dX: Buf, dY: Buf, argmax: Buf, xPrev: Buf, g: PoolGeometry, actPrev: Activation, label = 'maxPoolBackward',
): Promise<Dispatch> {
  const kernel = maxPoolBackwardKernel(g);
  const n = kernel === 'maxpool_backward_cells' ? g.B * g.C * g.OH * g.OW : g.B * g.C * g.H * g.W;
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], ...poolOverrides(g) };
  return buildOwning(k, kernel, overrides, `${label} [${kernel}]`, [dY, argmax, xPrev, dX], poolDims(k, label, g), flatDispatch(n, WG));
}
