/** From command-line options to a TrainConfig: a preset, then any explicit overrides. */
import { ACTIVATIONS, INITS, LOSSES, parseNetwork, type Activation, type Init, type Loss, type ModelSpec } from '../model/spec.ts';
import { OPTIMIZERS, PRESETS, type OptimizerName, type PresetName, type TrainConfig } from '../train/config.ts';

export interface TrainFlags {
  preset: string;
  arch?: string;
  activation?: string;
  loss?: string;
  outputActivation?: string;
  init?: string;
  lr?: string;
  lrDecay?: string;
  batch?: string;
  epochs?: string;
  l2?: string;
  momentum?: string;
  optimizer?: string;
  beta1?: string;
  beta2?: string;
  eps?: string;
  seed?: string;
}

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`Unknown ${what} "${value}": choose one of ${allowed.join(', ')}.`);
  return value as T;
}

function number(what: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`${what} must be a number, got "${value}".`);
  return n;
}

export function configFromFlags(f: TrainFlags): TrainConfig {
  const preset = PRESETS[oneOf('preset', f.preset, Object.keys(PRESETS) as PresetName[])];
  const model: ModelSpec = { ...preset.model };
  if (f.arch !== undefined) {
    delete model.input;
    delete model.features;
    Object.assign(model, parseNetwork(f.arch));
  }
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
    batch: f.batch !== undefined ? number('--batch', f.batch) : preset.batch,
    lr: f.lr !== undefined ? number('--lr', f.lr) : preset.lr,
    lrDecay: f.lrDecay !== undefined ? number('--lr-decay', f.lrDecay) : preset.lrDecay,
    l2: f.l2 !== undefined ? number('--l2', f.l2) : preset.l2,
    momentum: optimizer === 'momentum' && f.momentum === undefined && momentum === 0 ? 0.9 : momentum,
    epochs: f.epochs !== undefined ? number('--epochs', f.epochs) : preset.epochs,
    seed: f.seed !== undefined ? number('--seed', f.seed) : preset.seed,
  };
  if (optimizer !== undefined) config.optimizer = optimizer;
  if (optimizer === 'adam') {
    if (f.beta1 !== undefined) config.beta1 = number('--beta1', f.beta1);
    if (f.beta2 !== undefined) config.beta2 = number('--beta2', f.beta2);
    if (f.eps !== undefined) config.eps = number('--eps', f.eps);
  }
  if (optimizer !== 'momentum' && optimizer !== undefined && f.momentum === undefined) config.momentum = 0;
  return config;
}
