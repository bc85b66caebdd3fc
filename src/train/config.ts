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
 *   fast     99% validation in one epoch: four 3×3 convolutions with batch normalization
 *            (24, 24, pool 2, 32, 32, pool 2; no padding), dense 256, 10; batch 128, Adam β
 *            (0.7, 0.9) with a onecycle schedule peaking at η = 0.01, one epoch: the optimiser
 *            and schedule of tuomaso/train_mnist_fast (99.04% on the official test set in one
 *            epoch of 60,000 images at batch 256), whose own network (conv 5×5×24, pool, conv
 *            3×3×32, pool, 256, 10) reached 99.0% on three of five seeds of the 50,000 here.
 *            README "Presets" has the seeds of both.
 *   best     ≥ 99.5% validation: conv 5×5×24, pool 2, conv 3×3×32, pool 2 with batch
 *            normalization after each convolution, dense 256 with dropout 0.3, 10; affine augmentation at its
 *            defaults, Adam 0.005 along a onecycle schedule, batch 128, 15 epochs (99.51%,
 *            99.53% at epoch 14; README "Measured results").
 *   cifar    CIFAR-10's 3×32×32 colour images: three blocks of 3×3 convolution (32, 64, 128
 *            filters, padding 1) with batch normalization and ReLU, each max-pooled 2, then
 *            dense 256 (dropout 0.3), 10; Adam 1e-3 along a cosine schedule, batch 100, 30
 *            epochs, shifts of ±2 px and ±8° turns. Its accuracy on CIFAR-10 is not measured
 *            yet: the data set cannot be downloaded on this project's machines.
 */
import type { AugmentParams } from '../cpu/augment.ts';
import { parseNetwork } from '../model/arch.ts';
import { moduleOf } from '../layers/index.ts';
import { resolveNetwork } from '../model/network.ts';
import { isSpatial } from '../model/shapes.ts';
import { classCount, inputSize, type ModelSpec } from '../model/spec.ts';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Adam's defaults, as torch.optim.Adam's. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** AdamW's decoupled weight decay when none is given: torch.optim.AdamW's default. */
const ADAMW_WEIGHT_DECAY = 1e-2;

/**
 * Learning-rate schedules (src/train/schedule.ts): step (η ×lrDecay per epoch, the
 * default), cosine (annealed to lrMin over the run), onecycle (as torch's OneCycleLR).
 */
export const SCHEDULES = ['step', 'cosine', 'onecycle'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface TrainConfig {
  model: ModelSpec;
  batch: number;
  /** Learning rate η at epoch 1. */
  lr: number;
  /** Multiplies η after every epoch (1 = constant); the step schedule's only. */
  lrDecay: number;
  /**
   * How η changes per mini-batch (src/train/schedule.ts). Absent (files written before
   * schedules): step.
   */
  lrSchedule?: ScheduleName;
  /** Mini-batches of linear warm-up (step and cosine schedules); absent: 0. */
  warmup?: number;
  /** The cosine schedule's floor (torch's eta_min); absent: 0. */
  lrMin?: number;
  /** L2 strength λ (the loss gains λ/2·‖W‖², biases excluded). */
  l2: number;
  /** Momentum μ of the 'momentum' optimiser (0 = plain SGD). */
  momentum: number;
  /**
   * sgd, momentum (heavy ball, μ = momentum), adam (β1, β2, ε below) or adamw (Adam with
   * decoupled weight decay, weightDecay). Absent (files written before Adam): momentum when
   * momentum > 0, else sgd.
   */
  optimizer?: OptimizerName;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** AdamW's decoupled weight decay (w ← w − η·wd·w before the Adam step, weights only); absent: 0.01. */
  weightDecay?: number;
  /**
   * Dropout probability p of every hidden dense layer's units while training (inverted
   * dropout: kept units scaled by 1/(1 − p); none at evaluation). Absent or 0: none.
   */
  dropout?: number;
  /** Training images transformed at random in the mini-batch gather (never validation or test). Absent: none. */
  augment?: AugmentConfig;
  epochs: number;
  seed: number;
}

/**
 * Augmentation: each training image, each epoch, transformed by amounts drawn uniformly
 * from these ranges (src/cpu/augment.ts, shaders/augment_gather.wgsl).
 */
export interface AugmentConfig {
  /** Random affine map: rotation ±rotate degrees, scale ×(1 ± scale), shear ±shear degrees, shift ±shift pixels in x and y. */
  affine?: { rotate: number; scale: number; shear: number; shift: number };
  /** Elastic distortion (Simard 2003): a random field smoothed by a Gaussian of σ pixels, scaled by α pixels. */
  elastic?: { sigma: number; alpha: number };
}

/** Ranges that suit 28×28 digits: ±12°, ±10%, ±8° of shear, ±2 px. */
export const AFFINE_DEFAULTS = { rotate: 12, scale: 0.1, shear: 8, shift: 2 };
/** Simard et al.'s σ = 4, α = 34 for 28×28 digits. */
export const ELASTIC_DEFAULTS = { sigma: 4, alpha: 34 };

/** What the convolutional presets share besides their layers. */
const CNN_MODEL = { activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' } as const;

export const PRESETS: Record<'lecun' | 'nielsen' | 'lenet5' | 'cnn' | 'fast' | 'best' | 'cifar', TrainConfig> = {
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
  fast: {
    model: {
      ...CNN_MODEL,
      ...parseNetwork('1x28x28-conv24k3:identity-bn:relu-conv24k3:identity-bn:relu-pool2-conv32k3:identity-bn:relu-conv32k3:identity-bn:relu-pool2-256-10'),
    },
    batch: 128,
    lr: 0.01,
    lrDecay: 1,
    lrSchedule: 'onecycle',
    l2: 0,
    momentum: 0,
    optimizer: 'adam',
    beta1: 0.7,
    beta2: 0.9,
    epochs: 1,
    seed: 1,
  },
  best: {
    model: { ...CNN_MODEL, ...parseNetwork('1x28x28-conv24k5:identity-bn:relu-pool2-conv32k3:identity-bn:relu-pool2-256-10') },
    batch: 128,
    lr: 0.005,
    lrDecay: 1,
    lrSchedule: 'onecycle',
    l2: 0,
    momentum: 0,
    optimizer: 'adam',
    dropout: 0.3,
    augment: { affine: { ...AFFINE_DEFAULTS } },
    epochs: 15,
    seed: 1,
  },
  cifar: {
    model: {
      ...CNN_MODEL,
      ...parseNetwork('3x32x32-conv32k3p1:identity-bn:relu-pool2-conv64k3p1:identity-bn:relu-pool2-conv128k3p1:identity-bn:relu-pool2-256-10'),
    },
    batch: 100,
    lr: 1e-3,
    lrDecay: 1,
    lrSchedule: 'cosine',
    l2: 0,
    momentum: 0,
    optimizer: 'adam',
    dropout: 0.3,
    augment: { affine: { rotate: 8, scale: 0, shear: 0, shift: 2 } },
    epochs: 30,
    seed: 1,
  },
};

export type PresetName = keyof typeof PRESETS;

/** The optimiser a configuration trains with (see TrainConfig.optimizer). */
export function optimizerOf(config: TrainConfig): OptimizerName {
  return config.optimizer ?? (config.momentum > 0 ? 'momentum' : 'sgd');
}

/** Adam and AdamW: the optimisers that keep m and v and read β1, β2, ε. */
export function isAdam(o: OptimizerName): o is 'adam' | 'adamw' {
  return o === 'adam' || o === 'adamw';
}

/** AdamW's decoupled weight decay (0 for every other optimiser). */
export function weightDecayOf(config: TrainConfig): number {
  return optimizerOf(config) === 'adamw' ? (config.weightDecay ?? ADAMW_WEIGHT_DECAY) : 0;
}

/** The learning-rate schedule a configuration trains with (absent: step). */
export function scheduleOf(config: TrainConfig): ScheduleName {
  return config.lrSchedule ?? 'step';
}

/** Adam's β1, β2, ε for a configuration, defaults filled in. */
export function adamParams(config: TrainConfig): { beta1: number; beta2: number; eps: number } {
  return { beta1: config.beta1 ?? ADAM_DEFAULTS.beta1, beta2: config.beta2 ?? ADAM_DEFAULTS.beta2, eps: config.eps ?? ADAM_DEFAULTS.eps };
}

/** The dropout masks' seed, derived from the run's seed. */
export function dropoutSeed(config: TrainConfig): number {
  return (config.seed ^ 0x9e3779b9) >>> 0;
}

/** One line naming a configuration's augmentation and its ranges, or null without one. */
export function augmentText(config: TrainConfig): string | null {
  const { affine, elastic } = config.augment ?? {};
  const parts = [
    affine && `affine (rotation ±${affine.rotate}°, scale ±${+(affine.scale * 100).toFixed(4)}%, shear ±${affine.shear}°, shift ±${affine.shift} px)`,
    elastic && `elastic (σ ${elastic.sigma}, α ${elastic.alpha})`,
  ].filter(Boolean);
  return parts.length ? `augmentation: ${parts.join(', ')}` : null;
}

/** The augmentation draws' seed, derived from the run's seed. */
function augmentSeed(config: TrainConfig): number {
  return (config.seed ^ 0x85ebca6b) >>> 0;
}

const radians = (deg: number) => (deg * Math.PI) / 180;

/** The kernels' parameters for a configuration's augmentation (null: none); stepsPerEpoch = floor(N / B). */
export function augmentParams(config: TrainConfig, stepsPerEpoch: number): AugmentParams | null {
  const { affine, elastic } = config.augment ?? {};
  if (!affine && !elastic) return null;
  return {
    seed: augmentSeed(config),
    stepsPerEpoch,
    affine: affine
      ? {
          rotate: [-radians(affine.rotate), radians(affine.rotate)],
          scale: [1 - affine.scale, 1 + affine.scale],
          shear: [-radians(affine.shear), radians(affine.shear)],
          shift: [-affine.shift, affine.shift],
        }
      : null,
    elastic: elastic ? { ...elastic } : null,
  };
}

/** What is wrong with an augmentation's ranges, each problem saying what is allowed. */
function augmentProblems(a: AugmentConfig | undefined): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  if (a?.affine) {
    const { rotate, scale, shear, shift } = a.affine;
    check(rotate >= 0 && rotate <= 180, `rotation ±${rotate}° must be in [0, 180] degrees`);
    check(scale >= 0 && scale < 1, `scale ±${scale} must be a fraction in [0, 1)`);
    check(shear >= 0 && shear < 60, `shear ±${shear}° must be in [0, 60) degrees`);
    check(shift >= 0 && Number.isFinite(shift), `shift ±${shift} must be a number of pixels ≥ 0`);
  }
  if (a?.elastic) {
    const { sigma, alpha } = a.elastic;
    check(sigma > 0 && sigma <= 16, `elastic σ ${sigma} must be in (0, 16] pixels`);
    check(alpha >= 0 && Number.isFinite(alpha), `elastic α ${alpha} must be a number of pixels ≥ 0`);
  }
  return problems;
}

/** Floats of optimiser state per parameter: velocity (momentum), m and v (adam). */
export function optimizerStateCopies(config: TrainConfig): number {
  const o = optimizerOf(config);
  return isAdam(o) ? 2 : o === 'momentum' ? 1 : 0;
}

/** The step schedule's η of a whole epoch (before any warm-up): lr·lrDecay^(epoch − 1). */
export function lrAtEpoch(config: TrainConfig, epoch: number): number {
  return config.lr * config.lrDecay ** (epoch - 1);
}

/**
 * The model file's `training` note: how the weights were trained (everything but the network,
 * which the file's spec holds), implied settings spelled out, as JSON.
 */
export function trainingNote(config: TrainConfig): string {
  const { model: _model, ...settings } = config;
  const optimizer = optimizerOf(config);
  return JSON.stringify({
    ...settings, optimizer, lrSchedule: scheduleOf(config), warmup: config.warmup ?? 0,
    ...(scheduleOf(config) === 'cosine' ? { lrMin: config.lrMin ?? 0 } : {}),
    ...(isAdam(optimizer) ? adamParams(config) : {}), ...(optimizer === 'adamw' ? { weightDecay: weightDecayOf(config) } : {}),
  });
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
  problems.push(...scheduleProblems(config, Math.floor(trainCount / config.batch)));
  if (!(config.l2 >= 0)) problems.push(`L2 strength ${config.l2} must be ≥ 0`);
  if (!(config.momentum >= 0 && config.momentum < 1)) problems.push(`momentum ${config.momentum} must be in [0, 1)`);
  const p = config.dropout ?? 0;
  // The activations of the hidden dense layers, the ones dropout acts on.
  const hiddenDense = config.model.layers.slice(0, -1).flatMap((l) => (l.type === 'dense' ? [l.activation ?? config.model.activation] : []));
  if (!(p >= 0 && p < 1)) problems.push(`dropout ${p} must be in [0, 1)`);
  else if (p > 0 && hiddenDense.some((a) => !['relu', 'identity'].includes(a))) {
    problems.push(`dropout needs relu (or identity) hidden layers, whose derivative a dropped unit's 0 keeps right; this network's are ${[...new Set(hiddenDense)].join(', ')}`);
  } else if (p > 0 && hiddenDense.length === 0) problems.push('dropout applies to hidden dense layers, and this network has none');
  problems.push(...augmentProblems(config.augment));
  // Augmentation transforms images channels last, the layout a spatial input reads; a flat input reads colour planar.
  if (config.augment && channels > 1 && !spatial) {
    problems.push(`augmentation of ${channels}-channel images needs the network to take them as images: start the architecture with ${inputToken}, not ${pixels}`);
  }
  const optimizer = optimizerOf(config);
  if (isAdam(optimizer)) {
    const { beta1, beta2, eps } = adamParams(config);
    if (!(beta1 >= 0 && beta1 < 1)) problems.push(`Adam's β1 ${beta1} must be in [0, 1)`);
    if (!(beta2 >= 0 && beta2 < 1)) problems.push(`Adam's β2 ${beta2} must be in [0, 1)`);
    if (!(eps > 0)) problems.push(`Adam's ε ${eps} must be positive`);
  }
  if (optimizer === 'adamw') {
    const wd = weightDecayOf(config);
    if (!(wd >= 0) || !Number.isFinite(wd)) problems.push(`weight decay ${wd} must be a number ≥ 0`);
    if (config.l2 > 0) {
      problems.push(`AdamW decays weights itself (--weight-decay ${wd}, decoupled) and takes no L2 (--l2 ${config.l2}): give --l2 0, or --optimizer adam for L2 added to the gradient`);
    }
  } else if (config.weightDecay !== undefined) {
    problems.push(`weight decay ${config.weightDecay} is AdamW's (decoupled): add --optimizer adamw, or use --l2 with ${optimizer}`);
  }
  if (!Number.isInteger(config.epochs) || config.epochs < 1) problems.push(`epochs ${config.epochs} must be a whole number ≥ 1`);
  if (problems.length) throw new Error(`Cannot train this configuration: ${problems.join('; ')}.`);
}

/** What is wrong with a configuration's learning-rate schedule, given the mini-batches per epoch. */
function scheduleProblems(config: TrainConfig, stepsPerEpoch: number): string[] {
  const problems: string[] = [];
  const schedule = config.lrSchedule ?? 'step';
  if (!(SCHEDULES as readonly string[]).includes(schedule)) {
    return [`learning-rate schedule "${schedule}" is not one of ${SCHEDULES.join(', ')}`];
  }
  const total = config.epochs * stepsPerEpoch;
  const warmup = config.warmup ?? 0;
  if (!Number.isSafeInteger(warmup) || warmup < 0) problems.push(`warm-up ${warmup} must be a whole number of mini-batches ≥ 0`);
  else if (schedule === 'onecycle' && warmup > 0) {
    problems.push(`the onecycle schedule warms up by itself (over its first 30% of mini-batches): leave out --warmup ${warmup}`);
  } else if (warmup > 0 && Number.isSafeInteger(total) && warmup >= total) {
    problems.push(`warm-up of ${warmup} mini-batches is not shorter than the run's ${total} (${config.epochs} epochs of ${stepsPerEpoch}): give --warmup ${Math.max(0, total - 1)} or less`);
  }
  if (schedule !== 'step' && config.lrDecay !== 1) {
    problems.push(`--lr-decay ${config.lrDecay} is the step schedule's; the ${schedule} schedule sets η itself: give --lr-decay 1, or --schedule step`);
  }
  const lrMin = config.lrMin ?? 0;
  if (config.lrMin !== undefined && schedule !== 'cosine') problems.push(`--lr-min ${config.lrMin} is the cosine schedule's floor: add --schedule cosine, or leave it out`);
  else if (schedule === 'cosine' && !(lrMin >= 0 && lrMin < config.lr)) problems.push(`the cosine schedule's floor --lr-min ${lrMin} must be ≥ 0 and below --lr ${config.lr}`);
  // torch's OneCycleLR divides by its warm-up's length, 0.3·steps − 1: it needs 4 mini-batches or more.
  if (schedule === 'onecycle' && Number.isSafeInteger(total) && total < 4) {
    problems.push(`the onecycle schedule needs at least 4 mini-batches in the run, and this one has ${total}: train more epochs or use a smaller batch`);
  }
  return problems;
}
