/**
 * Dense layer, forward and backward. Mirrors shaders/matmul_*.wgsl as run by
 * src/gpu/ops.ts (matmulForward, matmulBackwardInput, matmulBackwardWeight).
 *
 * `wb` is one layer's parameter block: W (C × OC, row-major) then b (OC), the
 * bias-augmented matrix [W; b] of shape (C + 1, OC).
 */
import type { Activation } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';

export type Vec = Float32Array | Float64Array;

/** out (B, OC) = act(x (B, C) · W + b). */
export function matmulForward(out: Vec, x: Vec, wb: Vec, B: number, C: number, OC: number, act: Activation): void {
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < OC; o++) {
      let z = wb[C * OC + o];
      for (let c = 0; c < C; c++) z += x[b * C + c] * wb[c * OC + o];
      out[b * OC + o] = activate(z, act);
    }
  }
}

/**
 * dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ f'(aPrev): the gradient flowing into the previous layer,
 * already through that layer's activation f = actPrev (whose output aPrev is this layer's input).
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

/** dWb (C + 1, OC): dW = xᵀ · dY and, as row C, dB = column sums of dY. */
export function matmulBackwardWeight(dWb: Vec, x: Vec, dY: Vec, B: number, C: number, OC: number): void {
  for (let c = 0; c <= C; c++) {
    for (let o = 0; o < OC; o++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += (c < C ? x[b * C + c] : 1) * dY[b * OC + o];
      dWb[c * OC + o] = s;
    }
  }
}
