/** From command-line options to a TrainConfig: a preset, then any explicit overrides. */
import { ACTIVATIONS, INITS, LOSSES, parseArchitecture, type Activation, type Init, type Loss, type ModelSpec } from '../model/spec.ts';
import { PRESETS, type PresetName, type TrainConfig } from '../train/config.ts';

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
  if (f.arch !== undefined) model.sizes = parseArchitecture(f.arch);
  if (f.activation !== undefined) model.activation = oneOf<Activation>('activation', f.activation, ACTIVATIONS);
  if (f.loss !== undefined) {
    model.loss = oneOf<Loss>('loss', f.loss, LOSSES);
    if (model.loss === 'quadratic' && f.outputActivation === undefined && model.outputActivation === 'identity') model.outputActivation = 'sigmoid';
  }
  if (f.outputActivation !== undefined) model.outputActivation = oneOf<Activation>('output activation', f.outputActivation, ACTIVATIONS);
  if (f.init !== undefined) model.init = oneOf<Init>('init', f.init, INITS);
  return {
    model,
    batch: f.batch !== undefined ? number('--batch', f.batch) : preset.batch,
    lr: f.lr !== undefined ? number('--lr', f.lr) : preset.lr,
    lrDecay: f.lrDecay !== undefined ? number('--lr-decay', f.lrDecay) : preset.lrDecay,
    l2: f.l2 !== undefined ? number('--l2', f.l2) : preset.l2,
    momentum: f.momentum !== undefined ? number('--momentum', f.momentum) : preset.momentum,
    epochs: f.epochs !== undefined ? number('--epochs', f.epochs) : preset.epochs,
    seed: f.seed !== undefined ? number('--seed', f.seed) : preset.seed,
  };
}
