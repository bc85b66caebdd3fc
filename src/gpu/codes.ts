/**
 * The numbers the kernels' override constants stand for, in one place on the GPU side:
 * each table is the TypeScript half of a WGSL switch or comparison named beside it.
 */
import type { Activation, Loss } from '../model/spec.ts';

/** ACT, ACT_OUT, ACT_PREV: shaders/lib/activations.wgsl's activate() and activationGrad(). */
export const ACTIVATION_CODE: Record<Activation, number> = {
  identity: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  softplus: 4,
  step: 5,
};

/** LOSS: evaluate.wgsl and output_layer.wgsl (lib/row_loss.wgsl). */
export const LOSS_CODE: Record<Loss, number> = { 'cross-entropy': 0, quadratic: 1 };

/** MODE: the matmul kernels' role (lib/matmul_common.wgsl) and splitk_reduce's epilogue. */
export const MODE = { forward: 0, backwardInput: 1, backwardWeight: 2, backwardWeightUpdate: 3 } as const;
