/** The loss kernels with their gradient, CPU twins in src/cpu/loss.ts. */
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { buildOwning, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { lossDims } from '../uniforms.ts';

const REDUCE_WG = 128;

/** dLogits = (softmax(logits) − onehot(labels)) / B; stats[step] = (Σ loss, #correct). */
export function softmaxCrossEntropy(
  k: KernelCache, dLogits: GPUBuffer | Slice, logits: GPUBuffer | Slice, labels: GPUBuffer | Slice, stats: GPUBuffer | Slice,
  B: number, K: number, step: GPUBindGroup, label = 'softmaxCrossEntropy',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, lossDims({ B, K }));
  return buildOwning(k, 'softmax_cross_entropy', { WG: REDUCE_WG }, label, [logits, labels, dLogits, stats], dims, [1, 1, 1], step);
}

/** dZ = (a − onehot(labels)) ⊙ act'(a) / B; stats[step] = (Σ ½‖a − y‖², #correct). */
export function quadraticCost(
  k: KernelCache, dZ: GPUBuffer | Slice, a: GPUBuffer | Slice, labels: GPUBuffer | Slice, stats: GPUBuffer | Slice,
  B: number, K: number, act: Activation, step: GPUBindGroup, label = 'quadraticCost',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, lossDims({ B, K }));
  const overrides = { WG: REDUCE_WG, ACT: ACTIVATION_CODE[act] };
  return buildOwning(k, 'quadratic_cost', overrides, label, [a, labels, dZ, stats], dims, [1, 1, 1], step);
}
