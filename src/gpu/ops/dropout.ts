/** Inverted dropout on the GPU, CPU twin src/cpu/dropout.ts. */
import { buildOwning, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { dropoutDims } from '../uniforms.ts';

/**
 * Inverted dropout on n floats of x in place (dropout.wgsl), the mask drawn from (seed,
 * layer, the step's number t = opt.t0 + step.index + 1): the forward pass on a hidden
 * layer's activations and the backward pass on their gradient use the same arguments.
 */
export function dropout(
  k: KernelCache, x: GPUBuffer | Slice, n: number, seed: number, layer: number, p: number, opt: GPUBuffer, step: GPUBindGroup, label = 'dropout',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, dropoutDims({ n, seed, layer, p }));
  return buildOwning(k, 'dropout', { WG: FLAT_WG }, label, [x, opt], dims, flatDispatch(n, FLAT_WG), step);
}
