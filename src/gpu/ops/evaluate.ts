/** Validation: each row's prediction and loss, read back once per epoch. */
import type { Loss } from '../../model/spec.ts';
import { buildOwning, ceilDiv, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import { LOSS_CODE } from '../codes.ts';
import type { KernelCache } from '../kernels.ts';
import { evaluateDims } from '../uniforms.ts';

const EVAL_WG = 64;

/** preds[offset + b] = argmax out_b; rowLoss[offset + b] = the loss of row b. */
export function evaluateRows(
  k: KernelCache, preds: GPUBuffer, rowLoss: GPUBuffer, out: GPUBuffer | Slice, labels: GPUBuffer | Slice,
  B: number, K: number, offset: number, loss: Loss, label = 'evaluateRows',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, evaluateDims({ B, K, offset }));
  const overrides = { WG: EVAL_WG, LOSS: LOSS_CODE[loss] };
  return buildOwning(k, 'evaluate', overrides, label, [out, labels, preds, rowLoss], dims, [ceilDiv(B, EVAL_WG), 1, 1]);
}
