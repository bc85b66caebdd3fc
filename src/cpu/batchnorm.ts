/**
 * Batch normalization, channels last: x (N, C) with N = B·H·W rows (B after a dense layer,
 * whose output is (units, 1, 1)), each channel normalised over its N values. Mirrors
 * shaders/batchnorm_stats.wgsl, batchnorm_forward.wgsl and batchnorm_backward.wgsl
 * (src/gpu/batchnorm-ops.ts), one function per kernel, in plain loops: the reference the
 * kernels are checked against, deliberately unoptimised.
 *
 * As torch.nn.BatchNorm2d / BatchNorm1d: training normalises with the batch's mean and
 * biased variance and moves the running averages by momentum 0.1 towards the batch's mean
 * and unbiased variance; evaluation normalises with the running averages; ε = 1e-5.
 * N = 1 (batch 1 after a dense layer) has no unbiased variance: PyTorch refuses to train
 * it, and so does validateConfig; the kernels still define it (x̂ = 0, output β, dX = 0,
 * the running variance moves towards 0).
 *
 * A layer's parameter block is [γ; β] (the layout's W of 1 × C, then b), its state block
 * (running mean; running variance), each C long; `stats` holds (mean; variance) in that
 * same layout, so the forward pass reads either.
 */
import type { Activation } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';
import type { Vec } from './matmul.ts';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/**
 * stats (2, C) = per channel (mean, biased variance) of x (N, C), two passes; running (2, C)
 * ← (1 − m)·running + m·(mean, variance·N / (N − 1)).
 */
export function batchnormStats(stats: Vec, running: Vec, x: Vec, N: number, C: number): void {
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let r = 0; r < N; r++) sum += x[r * C + c];
    const mean = sum / N;
    let sq = 0;
    for (let r = 0; r < N; r++) sq += (x[r * C + c] - mean) ** 2;
    const variance = sq / N;
    stats[c] = mean;
    stats[C + c] = variance;
    running[c] = (1 - BN_MOMENTUM) * running[c] + BN_MOMENTUM * mean;
    running[C + c] = (1 - BN_MOMENTUM) * running[C + c] + BN_MOMENTUM * variance * (N / Math.max(N - 1, 1));
  }
}

/** out (N, C) = act(γ·(x − mean)/√(variance + ε) + β), (mean; variance) from stats (2, C). */
export function batchnormForward(out: Vec, x: Vec, wb: Vec, stats: Vec, N: number, C: number, act: Activation): void {
  for (let c = 0; c < C; c++) {
    const istd = 1 / Math.sqrt(stats[C + c] + BN_EPS);
    for (let r = 0; r < N; r++) {
      const i = r * C + c;
      out[i] = activate(wb[c] * (x[i] - stats[c]) * istd + wb[C + c], act);
    }
  }
}

/**
 * The training-mode gradients, g = dY (N, C) (with respect to the normalised, scaled,
 * shifted output, before any activation of the layer's) and x̂ = (x − mean)·istd:
 *   dWb (2, C) = [dγ; dβ] = [Σ g·x̂; Σ g]
 *   dX (N, C) = actPrev′(x) · γ·istd·(g − dβ/N − x̂·dγ/N)      (when dX is not null)
 */
export function batchnormBackward(
  dX: Vec | null, dWb: Vec, x: Vec, dY: Vec, wb: Vec, stats: Vec, N: number, C: number, actPrev: Activation,
): void {
  for (let c = 0; c < C; c++) {
    const mean = stats[c];
    const istd = 1 / Math.sqrt(stats[C + c] + BN_EPS);
    let dGamma = 0;
    let dBeta = 0;
    for (let r = 0; r < N; r++) {
      const i = r * C + c;
      dGamma += dY[i] * (x[i] - mean) * istd;
      dBeta += dY[i];
    }
    if (dX) {
      const scale = wb[c] * istd;
      for (let r = 0; r < N; r++) {
        const i = r * C + c;
        const xHat = (x[i] - mean) * istd;
        dX[i] = activationGrad(x[i], actPrev) * scale * (dY[i] - dBeta / N - (xHat * dGamma) / N);
      }
    }
    dWb[c] = dGamma;
    dWb[C + c] = dBeta;
  }
}

/**
 * batchnormBackward with plain SGD applied to [γ; β] in place instead of storing the
 * gradients (the kernel's FUSED mode): γ ← γ − lr·(dγ + l2·γ), β ← β − lr·dβ; dX is
 * computed with γ before the step.
 */
export function batchnormBackwardUpdate(
  dX: Vec | null, wb: Vec, x: Vec, dY: Vec, stats: Vec, N: number, C: number, actPrev: Activation, lr: number, l2: number,
): void {
  const dWb = new Float64Array(2 * C);
  batchnormBackward(dX, dWb, x, dY, wb, stats, N, C, actPrev);
  for (let c = 0; c < C; c++) {
    wb[c] -= lr * (dWb[c] + l2 * wb[c]);
    wb[C + c] -= lr * dWb[C + c];
  }
}
