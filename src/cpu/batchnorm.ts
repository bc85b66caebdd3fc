/**
 * Batch normalization, channels last: x (N, C) with N = B·H·W rows (B after a dense layer,
 * whose output is (units, 1, 1)), each channel normalised over its N values. Mirrors
 * shaders/batchnorm_stats.wgsl, batchnorm_forward.wgsl and the backward pass's
 * batchnorm_backward_sums, _totals and _input (src/gpu/ops/batchnorm.ts), one function per
 * kernel, in plain loops: the reference the
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
 * ← (1 − m)·running + m·(mean, variance·N / (N − 1)). The GPU's four dispatches in turn: the
 * sums of chunks of BN_ROWS rows, then their totals, once for the mean and once for the variance.
 */
export function batchnormStats(stats: Vec, running: Vec, x: Vec, N: number, C: number): void {
  const partial = new Float64Array(bnChunks(N) * C);
  for (const pass of [0, 1] as const) {
    batchnormStatsSums(partial, x, stats, N, C, pass);
    batchnormStatsTotals(stats, running, partial, N, C, pass);
  }
}

/**
 * partial (chunks, C): per chunk q of BN_ROWS rows and channel c, Σ x (pass 0) or Σ (x − mean)²
 * with mean = stats[c] (pass 1) over the chunk's rows (batchnorm_stats_sums.wgsl).
 */
export function batchnormStatsSums(partial: Vec, x: Vec, stats: Vec, N: number, C: number, pass: 0 | 1): void {
  for (let q = 0; q < bnChunks(N); q++) {
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let r = q * BN_ROWS; r < Math.min((q + 1) * BN_ROWS, N); r++) sum += pass === 0 ? x[r * C + c] : (x[r * C + c] - stats[c]) ** 2;
      partial[q * C + c] = sum;
    }
  }
}

/**
 * The chunks' sums added in chunk order, over N: pass 0 the mean into stats[c]; pass 1 the
 * biased variance into stats[C + c] and the running averages moved (batchnorm_stats_totals.wgsl).
 */
export function batchnormStatsTotals(stats: Vec, running: Vec, partial: Vec, N: number, C: number, pass: 0 | 1): void {
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let q = 0; q < bnChunks(N); q++) sum += partial[q * C + c];
    const value = sum / N;
    if (pass === 0) {
      stats[c] = value;
      continue;
    }
    stats[C + c] = value;
    running[c] = (1 - BN_MOMENTUM) * running[c] + BN_MOMENTUM * stats[c];
    running[C + c] = (1 - BN_MOMENTUM) * running[C + c] + BN_MOMENTUM * value * (N / Math.max(N - 1, 1));
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

/** Rows per chunk of batchnorm_backward_sums (its ROWS). */
export const BN_ROWS = 256;

/** Chunks of BN_ROWS rows over N rows. */
export const bnChunks = (N: number): number => Math.ceil(N / BN_ROWS);

/**
 * partial (chunks, C, 2): per chunk q of BN_ROWS rows and channel c, (Σ g·x̂, Σ g) over the
 * chunk's rows, g = dY, x̂ = (x − mean)·istd (batchnorm_backward_sums.wgsl).
 */
export function batchnormBackwardSums(partial: Vec, x: Vec, dY: Vec, stats: Vec, N: number, C: number): void {
  for (let q = 0; q < bnChunks(N); q++) {
    for (let c = 0; c < C; c++) {
      const mean = stats[c];
      const istd = 1 / Math.sqrt(stats[C + c] + BN_EPS);
      let gx = 0;
      let g = 0;
      for (let r = q * BN_ROWS; r < Math.min((q + 1) * BN_ROWS, N); r++) {
        const i = r * C + c;
        gx += dY[i] * (x[i] - mean) * istd;
        g += dY[i];
      }
      partial[2 * (q * C + c)] = gx;
      partial[2 * (q * C + c) + 1] = g;
    }
  }
}

/**
 * The chunks' sums added in chunk order: dγ = Σ g·x̂, dβ = Σ g; coef (3, C) = (γ·istd, dβ/N,
 * dγ/N) with γ before any step; then dWb (2, C) = [dγ; dβ], or with `sgd` plain SGD on
 * [γ; β] in place: γ ← γ − lr·(dγ + l2·γ), β ← β − lr·dβ (batchnorm_backward_totals.wgsl).
 */
export function batchnormBackwardTotals(
  coef: Vec, wb: Vec, dWb: Vec | null, partial: Vec, stats: Vec, N: number, C: number, sgd: { lr: number; l2: number } | null,
): void {
  for (let c = 0; c < C; c++) {
    let dGamma = 0;
    let dBeta = 0;
    for (let q = 0; q < bnChunks(N); q++) {
      dGamma += partial[2 * (q * C + c)];
      dBeta += partial[2 * (q * C + c) + 1];
    }
    const gamma = wb[c];
    coef[c] = gamma / Math.sqrt(stats[C + c] + BN_EPS);
    coef[C + c] = dBeta / N;
    coef[2 * C + c] = dGamma / N;
    if (sgd) {
      wb[c] = gamma - sgd.lr * (dGamma + sgd.l2 * gamma);
      wb[C + c] -= sgd.lr * dBeta;
    } else {
      dWb![c] = dGamma;
      dWb![C + c] = dBeta;
    }
  }
}

/** dX (N, C) = actPrev′(x) · coef[0]·(g − coef[1] − x̂·coef[2]) per channel (batchnorm_backward_input.wgsl). */
export function batchnormBackwardInput(dX: Vec, x: Vec, dY: Vec, stats: Vec, coef: Vec, N: number, C: number, actPrev: Activation): void {
  for (let i = 0; i < N * C; i++) {
    const c = i % C;
    const xHat = (x[i] - stats[c]) / Math.sqrt(stats[C + c] + BN_EPS);
    dX[i] = activationGrad(x[i], actPrev) * coef[c] * (dY[i] - coef[C + c] - xHat * coef[2 * C + c]);
  }
}

/**
 * The training-mode gradients, g = dY (N, C) (with respect to the normalised, scaled,
 * shifted output, before any activation of the layer's) and x̂ = (x − mean)·istd:
 *   dWb (2, C) = [dγ; dβ] = [Σ g·x̂; Σ g]
 *   dX (N, C) = actPrev′(x) · γ·istd·(g − dβ/N − x̂·dγ/N)      (when dX is not null)
 * The three backward kernels in turn.
 */
export function batchnormBackward(
  dX: Vec | null, dWb: Vec, x: Vec, dY: Vec, wb: Vec, stats: Vec, N: number, C: number, actPrev: Activation,
): void {
  backward(dX, wb, dWb, x, dY, stats, N, C, actPrev, null);
}

/**
 * batchnormBackward with plain SGD applied to [γ; β] in place instead of storing the
 * gradients (the totals kernel's FUSED mode): γ ← γ − lr·(dγ + l2·γ), β ← β − lr·dβ; dX is
 * computed with γ before the step.
 */
export function batchnormBackwardUpdate(
  dX: Vec | null, wb: Vec, x: Vec, dY: Vec, stats: Vec, N: number, C: number, actPrev: Activation, lr: number, l2: number,
): void {
  backward(dX, wb, null, x, dY, stats, N, C, actPrev, { lr, l2 });
}

function backward(
  dX: Vec | null, wb: Vec, dWb: Vec | null, x: Vec, dY: Vec, stats: Vec, N: number, C: number, actPrev: Activation,
  sgd: { lr: number; l2: number } | null,
): void {
  const partial = new Float64Array(2 * bnChunks(N) * C);
  const coef = new Float64Array(3 * C);
  batchnormBackwardSums(partial, x, dY, stats, N, C);
  batchnormBackwardTotals(coef, wb, dWb, partial, stats, N, C, sgd);
  if (dX) batchnormBackwardInput(dX, x, dY, stats, coef, N, C, actPrev);
}
