/**
 * Dense layer, forward and backward. Mirrors shaders/matmul_*.wgsl as run by
 * src/gpu/ops/matmul.ts (matmulForward, matmulBackwardInput, matmulBackwardWeight).
 *
 * `wb` is one layer's parameter block: W (C × OC, row-major) then b (OC), the
 * bias-augmented matrix [W; b] of shape (C + 1, OC). Loops run in the order that walks
 * memory contiguously (rows of W and dY innermost); the sums are the textbook ones.
 */
import type { Activation } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';

export type Vec = Float32Array | Float64Array;

/** out (B, OC) = act(x (B, C) · W + b):  out[b, o] = act(b[o] + Σ_c x[b, c] W[c, o]). */
export function matmulForward(out: Vec, x: Vec, wb: Vec, B: number, C: number, OC: number, act: Activation): void {
  for (let b = 0; b < B; b++) {
    const row = b * OC;
    for (let o = 0; o < OC; o++) out[row + o] = wb[C * OC + o];
    for (let c = 0; c < C; c++) {
      const xv = x[b * C + c];
      if (xv === 0) continue; // MNIST is mostly background
      const w = c * OC;
      for (let o = 0; o < OC; o++) out[row + o] += xv * wb[w + o];
    }
    for (let o = 0; o < OC; o++) out[row + o] = activate(out[row + o], act);
  }
}

/**
 * dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ f'(aPrev):  dX[b, c] = f'(aPrev[b, c]) Σ_o dY[b, o] W[c, o],
 * the gradient flowing into the previous layer, already through that layer's activation
 * f = actPrev (whose output aPrev is this layer's input).
 */
export function matmulBackwardInput(
  dX: Vec, dY: Vec, wb: Vec, aPrev: Vec, B: number, C: number, OC: number, actPrev: Activation,
): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let o = 0; o < OC; o++) s += dY[b * OC + o] * wb[c * OC + o];
      dX[b * C + c] = s * activationGrad(aPrev[b * C + c], actPrev);
    }
  }
}

/**
 * dWb (C + 1, OC):  dW[c, o] = Σ_b x[b, c] dY[b, o]  (xᵀ · dY)  and, as row C,
 * dB[o] = Σ_b dY[b, o]  (the column sums of dY).
 */
export function matmulBackwardWeight(dWb: Vec, x: Vec, dY: Vec, B: number, C: number, OC: number): void {
  dWb.fill(0, 0, (C + 1) * OC);
  for (let b = 0; b < B; b++) {
    const dy = b * OC;
    for (let c = 0; c < C; c++) {
      const xv = x[b * C + c];
      if (xv === 0) continue;
      const w = c * OC;
      for (let o = 0; o < OC; o++) dWb[w + o] += xv * dY[dy + o];
    }
    for (let o = 0; o < OC; o++) dWb[C * OC + o] += dY[dy + o];
  }
}

/**
 * wb −= lr·(dWb + l2·W) with dWb from matmulBackwardWeight: the weight gradient applied in
 * place as an SGD step (biases, row C, not decayed). Mirrors MODE 3 of the matmul kernels.
 */
export function matmulBackwardWeightUpdate(
  wb: Vec, x: Vec, dY: Vec, B: number, C: number, OC: number, lr: number, l2: number,
): void {
  const g = new Float64Array((C + 1) * OC);
  matmulBackwardWeight(g, x, dY, B, C, OC);
  for (let i = 0; i < g.length; i++) wb[i] -= lr * (g[i] + (i < C * OC ? l2 * wb[i] : 0));
}

/**
 * The second phase of a split-K matmul (shaders/splitk_reduce.wgsl): out (M, N) from the
 * `slices` partial products in `partial` (slice s at s·stride), added in slice order, with
 * the role's epilogue. mode 0: act(g + c[biasOffset + n]) (c: B's storage, its bias row);
 * 1: g · act'(c[i]) (c: the activations); 2: g; 3: the SGD step out −= lr·(g + l2·out),
 * lr = c[0], l2 = c[1], no decay on the last row (the biases).
 */
export function splitKReduce(
  out: Vec, partial: Vec, c: Vec, slices: number, stride: number, M: number, N: number, mode: number, act: Activation, biasOffset = 0,
): void {
  for (let i = 0; i < M * N; i++) {
    let g = 0;
    for (let s = 0; s < slices; s++) g += partial[s * stride + i];
    if (mode === 0) out[i] = activate(g + c[biasOffset + (i % N)], act);
    else if (mode === 1) out[i] = g * activationGrad(c[i], act);
    else if (mode === 3) out[i] -= c[0] * (g + (i < (M - 1) * N ? c[1] * out[i] : 0));
    else out[i] = g;
  }
}
