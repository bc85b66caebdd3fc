/**
 * From command-line options to a TrainConfig: a preset (lecun unless --preset names
 * another), then any explicit overrides. A resumed run starts from its checkpoint's
 * configuration instead, and may change only the settings RESUME_MAY_CHANGE lists.
 */
import { parseNetwork } from '../model/arch.ts';
import { ACTIVATIONS, INITS, LOSSES, type Activation, type Init, type Loss, type ModelSpec } from '../model/spec.ts';
import { formatSetting, runDifferences, type Checkpoint } from '../train/checkpoint.ts';
import {
  AFFINE_DEFAULTS, ELASTIC_DEFAULTS, isAdam, OPTIMIZERS, PRESETS, SCHEDULES, type AugmentConfig, type OptimizerName, type PresetName, type ScheduleName,
  type TrainConfig,
} from '../train/config.ts';

export interface TrainFlags {
  preset?: string;
  arch?: string;
  activation?: string;
  loss?: string;
  outputActivation?: string;
  init?: string;
  lr?: string;
  lrDecay?: string;
  schedule?: string;
  warmup?: string;
  lrMin?: string;
  weightDecay?: string;
  batch?: string;
  epochs?: string;
  l2?: string;
  momentum?: string;
  optimizer?: string;
  beta1?: string;
  beta2?: string;
  eps?: string;
  dropout?: string;
  augment?: string;
  rotate?: string;
  scale?: string;
  shear?: string;
  shift?: string;
  elasticSigma?: string;
  elasticAlpha?: string;
  seed?: string;
}

const AFFINE_FLAGS = [['rotate', '--rotate'], ['scale', '--scale'], ['shear', '--shear'], ['shift', '--shift']] as const;
const ELASTIC_FLAGS = [['elasticSigma', '--elastic-sigma', 'sigma'], ['elasticAlpha', '--elastic-alpha', 'alpha']] as const;

/**
 * --augment KINDS (affine, elastic, both as affine,elastic, or none) and the ranges: each
 * kind starts from `base`'s ranges (a resumed run's) or the defaults, and its options
 * override them. Without --augment, `base`'s augmentation stays. A range for a kind the run
 * does not use is refused.
 */
function augmentFromFlags(f: TrainFlags, base: AugmentConfig | undefined): AugmentConfig | undefined {
  let kinds: Set<string>;
  if (f.augment !== undefined) {
    const list = f.augment.split(',').map((s) => s.trim());
    for (const k of list) oneOf('augmentation', k, ['affine', 'elastic', 'none']);
    if (list.includes('none') && list.length > 1) throw new Error(`--augment ${f.augment}: "none" cannot be combined with other kinds.`);
    kinds = new Set(list.filter((k) => k !== 'none'));
  } else kinds = new Set(Object.keys(base ?? {}));
  const given = (flags: readonly (readonly string[])[]) => flags.filter(([key]) => f[key as keyof TrainFlags] !== undefined).map(([, name]) => name);
  for (const [kind, flags] of [['affine', AFFINE_FLAGS], ['elastic', ELASTIC_FLAGS]] as const) {
    const names = given(flags);
    if (names.length && !kinds.has(kind)) {
      throw new Error(`${names.join(', ')} ${names.length > 1 ? 'set' : 'sets'} the ${kind} augmentation's range, and this run does not use it: add --augment ${kind} (or affine,elastic).`);
    }
  }
  const out: AugmentConfig = {};
  if (kinds.has('affine')) {
    const affine = { ...(base?.affine ?? AFFINE_DEFAULTS) };
    for (const [key, name] of AFFINE_FLAGS) if (f[key] !== undefined) affine[key] = number(name, f[key]);
    out.affine = affine;
  }
  if (kinds.has('elastic')) {
    const elastic = { ...(base?.elastic ?? ELASTIC_DEFAULTS) };
    for (const [key, name, field] of ELASTIC_FLAGS) if (f[key] !== undefined) elastic[field] = number(name, f[key]);
    out.elastic = elastic;
  }
  return out.affine || out.elastic ? out : undefined;
}

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`Unknown ${what} "${value}": choose one of ${allowed.join(', ')}.`);
  return value as T;
}

/** Decimal notation only (0.05, -1, 1e-4): JavaScript would also read 0x10, 0b1, Infinity and " 1 ". */
function number(what: string, value: string): number {
  const n = Number(value);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) throw new Error(`${what} must be a decimal number, got "${value}".`);
  if (!Number.isFinite(n)) throw new Error(`${what} ${value} is too large: numbers go up to about 1.8e308.`);
  if (n === 0 && /[1-9]/.test(value.replace(/[eE].*$/, ''))) throw new Error(`${what} ${value} is too small: it rounds to 0 (numbers go down to about 5e-324).`);
  return n;
}

/** Digits only, without leading zeros (as in --arch): a count or a seed is never 1.5, 2e1, 0x20 or 01. */
function whole(what: string, value: string): number {
  const n = Number(value);
  if (!/^(0|[1-9]\d*)$/.test(value)) throw new Error(`${what} must be a whole number written in digits, without leading zeros, got "${value}".`);
  if (!Number.isSafeInteger(n)) throw new Error(`${what} ${value} is too large.`);
  return n;
}

/** Seeds feed 32-bit generators: a larger one would silently repeat another seed's run. */
function seed(value: string): number {
  const n = whole('--seed', value);
  if (n > 0xffffffff) throw new Error(`--seed ${value} is out of range: seeds are 0 to 4294967295.`);
  return n;
}

/**
 * --target-accuracy: a fraction 0 < A ≤ 1 (0.99), or a percentage, with a % sign (99%,
 * 99.5%) or without one when above 1 (99, 99.5), up to 100. "1" is a fraction: 100%.
 */
export function targetAccuracy(value: string): number {
  const percent = value.endsWith('%');
  const text = percent ? value.slice(0, -1) : value;
  const refuse = (why: string) =>
    new Error(`--target-accuracy ${value} ${why}: give a validation accuracy as a fraction (0.99) or a percentage (99% or 99), above 0 and at most 100%.`);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) throw refuse('is not a number');
  const n = Number(text);
  const fraction = percent || n > 1 ? n / 100 : n;
  if (!(fraction > 0) || fraction > 1) throw refuse('is out of range');
  return fraction;
}

/** `base` (default: the lecun preset) with the options given; --preset replaces `base` with that preset. */
export function configFromFlags(f: TrainFlags, base: TrainConfig = PRESETS.lecun): TrainConfig {
  const preset = f.preset !== undefined ? PRESETS[oneOf('preset', f.preset, Object.keys(PRESETS) as PresetName[])] : base;
  const model: ModelSpec = { ...preset.model };
  if (f.arch !== undefined) Object.assign(model, parseNetwork(f.arch));
  if (f.activation !== undefined) model.activation = oneOf<Activation>('activation', f.activation, ACTIVATIONS);
  if (f.loss !== undefined) {
    model.loss = oneOf<Loss>('loss', f.loss, LOSSES);
    if (model.loss === 'quadratic' && f.outputActivation === undefined && model.outputActivation === 'identity') model.outputActivation = 'sigmoid';
  }
  if (f.outputActivation !== undefined) model.outputActivation = oneOf<Activation>('output activation', f.outputActivation, ACTIVATIONS);
  if (f.init !== undefined) model.init = oneOf<Init>('init', f.init, INITS);
  const momentum = f.momentum !== undefined ? number('--momentum', f.momentum) : preset.momentum;
  // --optimizer, else what --momentum implies, else the preset's.
  const optimizer: OptimizerName | undefined =
    f.optimizer !== undefined
      ? oneOf<OptimizerName>('optimizer', f.optimizer, OPTIMIZERS)
      : f.momentum !== undefined
        ? momentum > 0 ? 'momentum' : 'sgd'
        : preset.optimizer;
  const config: TrainConfig = {
    model,
    batch: f.batch !== undefined ? whole('--batch', f.batch) : preset.batch,
    lr: f.lr !== undefined ? number('--lr', f.lr) : preset.lr,
    lrDecay: f.lrDecay !== undefined ? number('--lr-decay', f.lrDecay) : preset.lrDecay,
    l2: f.l2 !== undefined ? number('--l2', f.l2) : preset.l2,
    momentum: optimizer === 'momentum' && f.momentum === undefined && momentum === 0 ? 0.9 : momentum,
    epochs: f.epochs !== undefined ? whole('--epochs', f.epochs) : preset.epochs,
    seed: f.seed !== undefined ? seed(f.seed) : preset.seed,
  };
  if (optimizer !== undefined) config.optimizer = optimizer;
  // The schedule: --schedule, else the preset's (or the checkpoint's); --lr-decay is the step schedule's alone.
  const schedule = f.schedule !== undefined ? oneOf<ScheduleName>('schedule', f.schedule, SCHEDULES) : preset.lrSchedule;
  if (schedule !== undefined) config.lrSchedule = schedule;
  if (schedule !== undefined && schedule !== 'step' && f.lrDecay === undefined) config.lrDecay = 1;
  const warmup = f.warmup !== undefined ? whole('--warmup', f.warmup) : preset.warmup;
  if (warmup !== undefined) config.warmup = warmup;
  const lrMin = f.lrMin !== undefined ? number('--lr-min', f.lrMin) : preset.lrMin;
  if (lrMin !== undefined) config.lrMin = lrMin;
  const adamOnly = (['beta1', 'beta2', 'eps'] as const).filter((k) => f[k] !== undefined);
  const named = optimizer ?? (momentum > 0 ? 'momentum' : 'sgd');
  if (adamOnly.length && !isAdam(named)) {
    const names = adamOnly.map((k) => `--${k}`).join(', ');
    throw new Error(`${names} ${adamOnly.length > 1 ? 'apply' : 'applies'} to Adam and AdamW only, and this run uses ${named}: add --optimizer adam (or adamw), or leave ${adamOnly.length > 1 ? 'them' : 'it'} out.`);
  }
  if (f.weightDecay !== undefined && named !== 'adamw') {
    throw new Error(`--weight-decay is AdamW's decoupled weight decay, and this run uses ${named}: add --optimizer adamw, or use --l2 (L2 added to the gradient).`);
  }
  if (optimizer === 'adamw') {
    // AdamW decays weights itself: a preset's L2 is not carried over (an explicit --l2 is refused by validateConfig).
    if (f.l2 === undefined) config.l2 = 0;
    const weightDecay = f.weightDecay !== undefined ? number('--weight-decay', f.weightDecay) : preset.weightDecay;
    if (weightDecay !== undefined) config.weightDecay = weightDecay;
  }
  if (isAdam(named)) {
    const beta1 = f.beta1 !== undefined ? number('--beta1', f.beta1) : preset.beta1;
    const beta2 = f.beta2 !== undefined ? number('--beta2', f.beta2) : preset.beta2;
    const eps = f.eps !== undefined ? number('--eps', f.eps) : preset.eps;
    if (beta1 !== undefined) config.beta1 = beta1;
    if (beta2 !== undefined) config.beta2 = beta2;
    if (eps !== undefined) config.eps = eps;
  }
  if (optimizer !== 'momentum' && optimizer !== undefined && f.momentum === undefined) config.momentum = 0;
  const dropout = f.dropout !== undefined ? number('--dropout', f.dropout) : preset.dropout;
  if (dropout !== undefined) config.dropout = dropout;
  const augment = augmentFromFlags(f, preset.augment);
  if (augment) config.augment = augment;
  return config;
}

/** The option that sets each setting a resume may not change, for messages. */
const OPTION_OF: Record<string, keyof TrainFlags> = {
  'model.layers': 'arch',
  optimizer: 'optimizer',
  beta1: 'beta1',
  beta2: 'beta2',
  eps: 'eps',
  dropout: 'dropout',
  lrSchedule: 'schedule',
  warmup: 'warmup',
  lrMin: 'lrMin',
  weightDecay: 'weightDecay',
  augment: 'augment',
  'model.activation': 'activation',
  'model.loss': 'loss',
  'model.outputActivation': 'outputActivation',
  'model.init': 'init',
  batch: 'batch',
  l2: 'l2',
  momentum: 'momentum',
  seed: 'seed',
};

const optionName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The configuration a resumed run continues with: the checkpoint's, with the options given
 * now meaning what they mean on a fresh run (--lr is η at epoch 1, decaying by --lr-decay
 * per epoch). Options that would make it another run are refused, each named with both values.
 */
export function resumeConfig(saved: Checkpoint, f: TrainFlags, dir: string): TrainConfig {
  const config = configFromFlags(f, saved.config);
  const differences = runDifferences(saved.config, config).map((d) => {
    const key = OPTION_OF[d.field];
    const option = key ? optionName(key) : d.field;
    const given = key === undefined || f[key] !== undefined || f.preset === undefined;
    const value = `${option} ${formatSetting(d.now)} (the checkpoint has ${formatSetting(d.saved)})`;
    return given ? value : `--preset ${f.preset} gives ${value}`;
  });
  if (differences.length) {
    throw new Error(
      `Cannot resume the run in ${dir} with other settings: ${differences.join('; ')}. Leave these options out to ` +
        `continue it as it was (only --lr, --lr-decay and --epochs may change on resume), or start a new run with another --checkpoint folder.`,
    );
  }
  if (config.epochs < saved.state.epoch) {
    throw new Error(
      `--epochs ${config.epochs} is fewer than the ${saved.state.epoch} epochs the checkpoint in ${dir} has trained: ` +
        `give --epochs ${saved.state.epoch} or more (${saved.state.epoch} trains nothing more and only saves --out).`,
    );
  }
  return config;
}
