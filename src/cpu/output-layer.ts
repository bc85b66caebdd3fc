/**
 * The output layer fused with its loss and the gradient into the previous layer, row by row.
 * Mirrors shaders/output_layer.wgsl (src/gpu/ops/output-layer.ts outputLayer): the same three steps the
 * unfused reference takes (matmulForward, softmaxCrossEntropy or quadraticCost,
 * matmulBackwardInput), with the batch's totals kept per row as the kernel writes them.
 * Plain loops, deliberately unoptimised: it is the kernel's yardstick.
 */
import type { Activation, Loss } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';
import { dropout as applyDropout } from './dropout.ts';
import type { BatchStats } from './loss.ts';
import type { Vec } from './matmul.ts';

/**
 * For each row b of h (B, C), with wb = [W; bias] of shape (C + 1, K):
 *   out_b = z_b = h_b·W + bias (cross-entropy) or a_b = actOut(z_b) (quadratic);
 *   dZ_b = (softmax(z_b) − onehot(y_b)) / B, or (a_b − onehot(y_b)) ⊙ actOut'(a_b) / B;
 *   rowStats[2b], rowStats[2b + 1] = (loss_b, 1 if argmax out_b = y_b else 0);
 *   dH_b = (dZ_b·Wᵀ) ⊙ actPrev'(h_b), unless dH is null (no previous layer to differentiate),
 *   then the previous layer's dropout mask for mini-batch t when `dropout` is given.
 * Returns the batch's totals.
 */
export function outputLayer(
  out: Vec, dZ: Vec, dH: Vec | null, rowStats: Vec, h: Vec, wb: Vec, labels: ArrayLike<number>,
  B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation,
  dropout?: { seed: number; layer: number; t: number; p: number },
): BatchStats {
  let lossSum = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = b * K;
    for (let k = 0; k < K; k++) {
      let z = wb[C * K + k];
      for (let c = 0; c < C; c++) z += h[b * C + c] * wb[c * K + k];
      out[row + k] = loss === 'cross-entropy' ? z : activate(z, actOut);
    }
    let best = 0;
    for (let k = 1; k < K; k++) if (out[row + k] > out[row + best]) best = k;
    const y = labels[b];
    let rowLoss = 0;
    if (loss === 'cross-entropy') {
      const max = out[row + best];
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(out[row + k] - max);
      rowLoss = Math.log(sum) - (out[row + y] - max);
      for (let k = 0; k < K; k++) dZ[row + k] = (Math.exp(out[row + k] - max) / sum - (k === y ? 1 : 0)) / B;
    } else {
      for (let k = 0; k < K; k++) {
        const diff = out[row + k] - (k === y ? 1 : 0);
        rowLoss += 0.5 * diff * diff;
        dZ[row + k] = (diff * activationGrad(out[row + k], actOut)) / B;
      }
    }
    rowStats[2 * b] = rowLoss;
    rowStats[2 * b + 1] = best === y ? 1 : 0;
    lossSum += rowLoss;
    correct += best === y ? 1 : 0;
    if (!dH) continue;
    for (let c = 0; c < C; c++) {
      let d = 0;
      for (let k = 0; k < K; k++) d += dZ[row + k] * wb[c * K + k];
      dH[b * C + c] = d * activationGrad(h[b * C + c], actPrev);
    }
  }
  if (dH && dropout) applyDropout(dH, B * C, dropout.seed, dropout.layer, dropout.t, dropout.p);
  return { lossSum, correct };
}
