/**
 * Activations and their derivatives, written in terms of the activation's output a = f(z),
 * which is what the backward pass keeps (the same formulas as shaders/*.wgsl `activate` and
 * `activationGrad`).
 */
import type { Activation } from '../model/spec.ts';

export function activate(z: number, act: Activation): number {
  switch (act) {
    case 'identity':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh(Math.min(Math.max(z, -15), 15));
    case 'softplus':
      return z > 15 ? z : Math.log(1 + Math.exp(z));
    case 'step':
      return z > 0 ? 1 : 0;
  }
}

/** f'(z) expressed through a = f(z). */
export function activationGrad(a: number, act: Activation): number {
  switch (act) {
    case 'identity':
      return 1;
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'sigmoid':
      return a * (1 - a);
    case 'tanh':
      return 1 - a * a;
    case 'softplus':
      return 1 - Math.exp(-a); // σ(z) = 1 − e^(−softplus(z))
    case 'step':
      return 1; // straight-through: with one layer this is Rosenblatt's perceptron rule
  }
}
