/**
 * Parameter updates over the whole flat parameter buffer. Mirrors shaders/sgd_update.wgsl
 * (one kernel, its MOMENTUM override choosing the momentum step). L2 (λ/2·‖W‖²) adds λ·w to the gradient of weights
 * only; biases and the padding between layer blocks are left alone (padding stays 0).
 */
import type { ParamLayout } from '../model/param-block.ts';
import type { Vec } from './matmul.ts';

/** w ← w − η (g + λ w) for weights; b ← b − η g for biases. */
export function sgdUpdate(params: Vec, grads: Vec, layout: ParamLayout, lr: number, l2: number): void {
  for (const { offset, weights, size } of layout.layers) {
    for (let i = offset; i < offset + size; i++) {
      const decay = i < offset + weights ? l2 * params[i] : 0;
      params[i] -= lr * (grads[i] + decay);
    }
  }
}

/** v ← μ v + g + λ w (weights) or μ v + g (biases); w ← w − η v. */
export function sgdMomentumUpdate(
  params: Vec, velocity: Vec, grads: Vec, layout: ParamLayout, lr: number, l2: number, momentum: number,
): void {
  for (const { offset, weights, size } of layout.layers) {
    for (let i = offset; i < offset + size; i++) {
      const decay = i < offset + weights ? l2 * params[i] : 0;
      velocity[i] = momentum * velocity[i] + grads[i] + decay;
      params[i] -= lr * velocity[i];
    }
  }
}

/** Adam's hyper-parameters. */
export interface AdamParams {
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * One Adam step at step number t (1-based), as torch.optim.Adam with L2 added to the
 * weights' gradient. Mirrors shaders/adam_update.wgsl.
 *   g ← grad + λ w (weights); m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 *   w ← w − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 */
export function adamUpdate(
  params: Vec, m: Vec, v: Vec, grads: Vec, layout: ParamLayout, lr: number, l2: number, adam: AdamParams, t: number,
): void {
  const f = Math.fround;
  const bc1 = f(1 - f(Math.pow(f(adam.beta1), t)));
  const bc2 = f(1 - f(Math.pow(f(adam.beta2), t)));
  for (const { offset, weights, size } of layout.layers) {
    for (let i = offset; i < offset + size; i++) {
      const g = grads[i] + (i < offset + weights ? l2 * params[i] : 0);
      m[i] = adam.beta1 * m[i] + (1 - adam.beta1) * g;
      v[i] = adam.beta2 * v[i] + (1 - adam.beta2) * g * g;
      params[i] -= (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + adam.eps));
    }
  }
}

/**
 * One AdamW step at step number t (1-based), as torch.optim.AdamW: weights decay first, by
 * their own value, outside the gradient (biases do not); then Adam's step on the plain
 * gradient. Mirrors shaders/adam_update.wgsl with DECOUPLED.
 *   w ← w·(1 − η·wd) (weights); m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 *   w ← w − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 */
export function adamwUpdate(
  params: Vec, m: Vec, v: Vec, grads: Vec, layout: ParamLayout, lr: number, weightDecay: number, adam: AdamParams, t: number,
): void {
  for (const { offset, weights } of layout.layers) {
    for (let i = offset; i < offset + weights; i++) params[i] *= 1 - lr * weightDecay;
  }
  adamUpdate(params, m, v, grads, layout, lr, 0, adam, t);
}
