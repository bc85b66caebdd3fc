/**
 * Training configuration and the lectures' presets.
 *
 *   lecun    784-300-100-10, ReLU, softmax + cross-entropy, Xavier-uniform, L2 λ = 1e-4,
 *            plain SGD, batch 100, η = 0.3 decaying ×0.9 per epoch, 20 epochs  (the lecture
 *            notes' network). A constant η = 0.1 levels off near 97.9% validation accuracy
 *            (30 epochs measured); the larger, decaying step reaches 98.2%.
 *   nielsen  784-30-10, sigmoid, quadratic cost, N(0, 1) init, batch 10, η = 3.0,
 *            30 epochs  (Nielsen, "Neural Networks and Deep Learning", chapter 1)
 *   lenet5   LeCun 1998's LeNet-5 with ReLU and max pooling, Adam 1e-3 ×0.9, 10 epochs
 *   cnn      conv 5×5×16 p2, pool 2, conv 5×5×32 p2, pool 2, dense 256 (dropout 0.4), 10;
 *            Adam 1e-3 ×0.85, 12 epochs. Without dropout it peaked at 99.25% validation
 *            (epoch 10) and ended at 99.18%: it overfits; dropout on the dense layer closes that.
 */
import { parseNetwork } from '../model/arch.ts';
import { moduleOf } from '../layers/index.ts';
import { resolveNetwork } from '../model/network.ts';
import { isSpatial } from '../model/shapes.ts';
import { classCount, inputSize, type ModelSpec } from '../model/spec.ts';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Adam's defaults, as torch.optim.Adam's. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface TrainConfig {
  model: ModelSpec;
  batch: number;
  /** Learning rate η at epoch 1. */
  lr: number;
  /** Multiplies η after every epoch (1 = constant). */
  lrDecay: number;
  /** L2 strength λ (the loss gains λ/2·‖W‖², biases excluded). */
  l2: number;
  /** Momentum μ of the 'momentum' optimiser (0 = plain SGD). */
  momentum: number;
  /**
   * sgd, momentum (heavy ball, μ = momentum) or adam (β1, β2, ε below). Absent (files
   * written before Adam): momentum when momentum > 0, else sgd.
   */
  optimizer?: OptimizerName;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * Dropout probability p of every hidden dense layer's units while training (inverted
   * dropout: kept units scaled by 1/(1 − p); none at evaluation). Absent or 0: none.
   */
  dropout?: number;
  epochs: number;
  seed: number;
}

/** What the convolutional presets share besides their layers. */
const CNN_MODEL = { activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' } as const;

export const PRESETS: Record<'lecun' | 'nielsen' | 'lenet5' | 'cnn', TrainConfig> = {
  lecun: {
    model: { ...parseNetwork('784-300-100-10'), activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' },
    batch: 100,
    lr: 0.3,
    lrDecay: 0.9,
    l2: 1e-4,
    momentum: 0,
    epochs: 20,
    seed: 1,
  },
  nielsen: {
    model: { ...parseNetwork('784-30-10'), activation: 'sigmoid', loss: 'quadratic', outputActivation: 'sigmoid', init: 'normal' },
    batch: 10,
    lr: 3.0,
    lrDecay: 1,
    l2: 0,
    momentum: 0,
    epochs: 30,
    seed: 1,
  },
  lenet5: {
    model: { ...CNN_MODEL, ...parseNetwork('1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10') },
    batch: 100,
    lr: 1e-3,
    lrDecay: 0.9,
    l2: 0,
    momentum: 0,
    optimizer: 'adam',
    epochs: 10,
    seed: 1,
  },
  cnn: {
    model: { ...CNN_MODEL, ...parseNetwork('1x28x28-conv16k5p2-pool2-conv32k5p2-pool2-256-10') },
    batch: 100,
    lr: 1e-3,
    lrDecay: 0.85,
    l2: 0,
    momentum: 0,
    optimizer: 'adam',
    dropout: 0.4,
    epochs: 12,
    seed: 1,
  },
};

export type PresetName = keyof typeof PRESETS;

/** The optimiser a configuration trains with (see TrainConfig.optimizer). */
export function optimizerOf(config: TrainConfig): OptimizerName {
  return config.optimizer ?? (config.momentum > 0 ? 'momentum' : 'sgd');
}

/** Adam's β1, β2, ε for a configuration, defaults filled in. */
export function adamParams(config: TrainConfig): { beta1: number; beta2: number; eps: number } {
  return { beta1: config.beta1 ?? ADAM_DEFAULTS.beta1, beta2: config.beta2 ?? ADAM_DEFAULTS.beta2, eps: config.eps ?? ADAM_DEFAULTS.eps };
}

/** The dropout masks' seed, derived from the run's seed. */
export function dropoutSeed(config: TrainConfig): number {
  return (config.seed ^ 0x9e3779b9) >>> 0;
}

/** Floats of optimiser state per parameter: velocity (momentum), m and v (adam). */
export function optimizerStateCopies(config: TrainConfig): number {
  const o = optimizerOf(config);
  return o === 'adam' ? 2 : o === 'momentum' ? 1 : 0;
}

export function lrAtEpoch(config: TrainConfig, epoch: number): number {
  return config.lr * config.lrDecay ** (epoch - 1);
}

/**
 * Refuses configurations that cannot work, before any work starts. `image`: the data's
 * image shape (channels 1 when not given), so that a network is told what input to start with.
 */
export function validateConfig(
  config: TrainConfig, pixels: number, classes: number, trainCount: number, image?: { channels?: number; rows: number; cols: number },
  purpose: 'train' | 'evaluate' = 'train',
): void {
  const { input } = config.model;
  const spatial = isSpatial(config.model);
  const problems: string[] = [];
  const takes = inputSize(config.model);
  const channels = image?.channels ?? 1;
  // What to write in --arch for this data: `28x28` for one channel, `3x32x32` for colour.
  const inputToken = image && (spatial || channels > 1) ? `${channels === 1 ? '' : `${channels}x`}${image.rows}x${image.cols}` : String(pixels);
  const dataShape = image ? `${channels}×${image.rows}×${image.cols}` : '';
  if (takes !== pixels) {
    problems.push(`the network takes ${takes} inputs but the images have ${pixels} ${channels > 1 ? `values (${dataShape})` : 'pixels'}: start the architecture with ${inputToken}`);
  } else if (image && spatial && (input.height !== image.rows || input.width !== image.cols || input.channels !== channels)) {
    problems.push(
      `the network takes ${input.channels}×${input.height}×${input.width} images but the data's are ${dataShape}: start the architecture with ${inputToken}`,
    );
  }
  const outputs = classCount(config.model);
  if (outputs !== classes) {
    problems.push(`the network has ${outputs} outputs but the data has ${classes} classes: end the architecture with ${classes}`);
  }
  if (!Number.isInteger(config.batch) || config.batch < 1) problems.push(`batch size ${config.batch} must be a whole number ≥ 1`);
  else if (config.batch > trainCount) {
    problems.push(`batch size ${config.batch} is larger than the ${trainCount} training images: use --batch ${trainCount} or less`);
  }
  // What a layer cannot train at this batch size (its module says); evaluation runs no batch statistics.
  if (purpose === 'train') {
    for (const r of resolveNetwork(config.model).layers) {
      const problem = moduleOf(r.layer).trainingProblem?.(r as never, config.batch);
      if (problem) problems.push(problem);
    }
  }
  if (!(config.lr > 0) || !Number.isFinite(config.lr)) problems.push(`learning rate ${config.lr} must be a positive number`);
  if (!(config.lrDecay > 0)) problems.push(`learning-rate decay ${config.lrDecay} must be positive (1 keeps η constant)`);
  if (!(config.l2 >= 0)) problems.push(`L2 strength ${config.l2} must be ≥ 0`);
  if (!(config.momentum >= 0 && config.momentum < 1)) problems.push(`momentum ${config.momentum} must be in [0, 1)`);
  const p = config.dropout ?? 0;
  // The activations of the hidden dense layers, the ones dropout acts on.
  const hiddenDense = config.model.layers.slice(0, -1).flatMap((l) => (l.type === 'dense' ? [l.activation ?? config.model.activation] : []));
  if (!(p >= 0 && p < 1)) problems.push(`dropout ${p} must be in [0, 1)`);
  else if (p > 0 && hiddenDense.some((a) => !['relu', 'identity'].includes(a))) {
    problems.push(`dropout needs relu (or identity) hidden layers, whose derivative a dropped unit's 0 keeps right; this network's are ${[...new Set(hiddenDense)].join(', ')}`);
  } else if (p > 0 && hiddenDense.length === 0) problems.push('dropout applies to hidden dense layers, and this network has none');
  if (optimizerOf(config) === 'adam') {
    const { beta1, beta2, eps } = adamParams(config);
    if (!(beta1 >= 0 && beta1 < 1)) problems.push(`Adam's β1 ${beta1} must be in [0, 1)`);
    if (!(beta2 >= 0 && beta2 < 1)) problems.push(`Adam's β2 ${beta2} must be in [0, 1)`);
    if (!(eps > 0)) problems.push(`Adam's ε ${eps} must be positive`);
  }
  if (!Number.isInteger(config.epochs) || config.epochs < 1) problems.push(`epochs ${config.epochs} must be a whole number ≥ 1`);
  if (problems.length) throw new Error(`Cannot train this configuration: ${problems.join('; ')}.`);
}
