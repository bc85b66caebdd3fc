/** Inverted dropout on the GPU, CPU twin src/cpu/dropout.ts. */
import { keepThreshold } from '../../cpu/dropout.ts';
import { buildOwning, f32Bits, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';

/**
 * Inverted dropout on n floats of x in place (dropout.wgsl), the mask drawn from (seed,
 * layer, the step's number t = opt.t0 + step.index + 1): the forward pass on a hidden
 * layer's activations and the backward pass on their gradient use the same arguments.
 */
export function dropout(
  k: KernelCache, x: GPUBuffer | Slice, n: number, seed: number, layer: number, p: number, opt: GPUBuffer, step: GPUBindGroup, label = 'dropout',
): Promise<Dispatch> {
  const scale = f32Bits(1 / (1 - p));
  const dims = uniformBuffer(k.device, `${label} dims`, [n, seed >>> 0, layer, keepThreshold(p), scale, 0, 0, 0]);
  return buildOwning(k, 'dropout', { WG: FLAT_WG }, label, [x, opt], dims, flatDispatch(n, FLAT_WG), step);
}
