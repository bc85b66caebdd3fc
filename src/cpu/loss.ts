/**
 * Losses: each writes the gradient with respect to the last layer's pre-activation z,
 * already averaged over the batch, and returns the batch's summed loss and the number of
 * rows whose argmax is the label. Mirrors shaders/softmax_cross_entropy.wgsl and
 * shaders/quadratic_cost.wgsl.
 */
import type { Activation } from '../model/spec.ts';
import { activationGrad } from './activations.ts';
import type { Vec } from './matmul.ts';

export interface BatchStats {
  lossSum: number;
  correct: number;
}

function argmax(v: Vec, start: number, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (v[start + k] > v[start + best]) best = k;
  return best;
}

/** loss = −log softmax(z)[y];  dLogits = (softmax(z) − onehot(y)) / B. */
export function softmaxCrossEntropy(dLogits: Vec, logits: Vec, labels: ArrayLike<number>, B: number, K: number): BatchStats {
  let lossSum = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = b * K;
    const max = logits[row + argmax(logits, row, K)];
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits[row + k] - max);
    const y = labels[b];
    lossSum += Math.log(sum) - (logits[row + y] - max);
    if (argmax(logits, row, K) === y) correct++;
    for (let k = 0; k < K; k++) {
      const p = Math.exp(logits[row + k] - max) / sum;
      dLogits[row + k] = (p - (k === y ? 1 : 0)) / B;
    }
  }
  return { lossSum, correct };
}

/** loss = ½‖a − onehot(y)‖²;  dZ = (a − onehot(y)) ⊙ f'(a) / B, with a = f(z) the output. */
export function quadraticCost(
  dZ: Vec, a: Vec, labels: ArrayLike<number>, B: number, K: number, act: Activation,
): BatchStats {
  let lossSum = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = b * K;
    const y = labels[b];
    for (let k = 0; k < K; k++) {
      const diff = a[row + k] - (k === y ? 1 : 0);
      lossSum += 0.5 * diff * diff;
      dZ[row + k] = (diff * activationGrad(a[row + k], act)) / B;
    }
    if (argmax(a, row, K) === y) correct++;
  }
  return { lossSum, correct };
}

/** Per-row prediction and loss for evaluation (shaders/evaluate.wgsl). */
export function evaluateRows(
  preds: Uint32Array, rowLoss: Vec, out: Vec, labels: ArrayLike<number>, B: number, K: number, loss: 'cross-entropy' | 'quadratic',
): void {
  for (let b = 0; b < B; b++) {
    const row = b * K;
    const best = argmax(out, row, K);
    preds[b] = best;
    const y = labels[b];
    if (loss === 'cross-entropy') {
      const max = out[row + best];
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(out[row + k] - max);
      rowLoss[b] = Math.log(sum) - (out[row + y] - max);
    } else {
      let s = 0;
      for (let k = 0; k < K; k++) s += 0.5 * (out[row + k] - (k === y ? 1 : 0)) ** 2;
      rowLoss[b] = s;
    }
  }
}
