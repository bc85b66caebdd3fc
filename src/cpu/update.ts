/**
 * Parameter updates over the whole flat parameter buffer. Mirrors shaders/sgd_update.wgsl
 * and shaders/sgd_momentum_update.wgsl. L2 (λ/2·‖W‖²) adds λ·w to the gradient of weights
 * only; biases and the padding between layer blocks are left alone (padding stays 0).
 */
import type { ParamLayout } from '../model/layout.ts';
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
