/**
 * Checkpoints: everything needed to continue a run exactly where an epoch ended (parameters,
 * optimiser velocity, the shuffle generator's state, the epoch, the configuration and which
 * data it trains on), as one safetensors file. Resuming from it on the same adapter gives
 * bit-identical weights to a run that was never interrupted; it also resumes on another
 * device (a new GPU device, or the CPU reference).
 */
import { readSafetensors, SafetensorsError, writeSafetensors } from '../model/safetensors.ts';
import type { TrainConfig } from './config.ts';
import type { Trainer, TrainerState } from './trainer.ts';

export const CHECKPOINT_FORMAT = 'wgtrain-checkpoint';

/** What the data must match for a resume to continue the same run. */
export interface DataIdentity {
  source: string;
  train: number;
  val: number;
}

export interface Checkpoint {
  config: TrainConfig;
  state: TrainerState;
  data: DataIdentity;
  params: Float32Array;
  velocity: Float32Array | null;
  /** Validation accuracy after each completed epoch. */
  history: number[];
}

export async function takeCheckpoint(trainer: Trainer, data: DataIdentity, history: number[]): Promise<Checkpoint> {
  return {
    config: trainer.config,
    state: trainer.getState(),
    data,
    params: await trainer.getParams(),
    velocity: await trainer.getVelocity(),
    history: [...history],
  };
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const tensors = [{ name: 'params', shape: [c.params.length], data: c.params }];
  if (c.velocity) tensors.push({ name: 'velocity', shape: [c.velocity.length], data: c.velocity });
  return writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(c.config),
    // The generator's spare normal may be NaN (none): JSON keeps it as null.
    state: JSON.stringify({ epoch: c.state.epoch, rng: c.state.rng.map((v) => (Number.isNaN(v) ? null : v)) }),
    data: JSON.stringify(c.data),
    history: JSON.stringify(c.history),
  });
}

function field<T>(metadata: Record<string, string>, key: string): T {
  const text = metadata[key];
  if (text === undefined) throw new SafetensorsError(`checkpoint metadata lacks "${key}"`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SafetensorsError(`checkpoint metadata "${key}" is not valid JSON`);
  }
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new SafetensorsError(`this is not a wgtrain checkpoint (format ${JSON.stringify(metadata.format)})`);
  }
  const params = tensors.get('params');
  if (!params) throw new SafetensorsError('checkpoint has no "params" tensor');
  const state = field<{ epoch: number; rng: (number | null)[] }>(metadata, 'state');
  return {
    config: field<TrainConfig>(metadata, 'config'),
    state: { epoch: state.epoch, rng: state.rng.map((v) => (v === null ? NaN : v)) },
    data: field<DataIdentity>(metadata, 'data'),
    params: params.data,
    velocity: tensors.get('velocity')?.data ?? null,
    history: field<number[]>(metadata, 'history'),
  };
}

/** Puts a trainer in the checkpoint's state, after checking it continues the same run. */
export async function restoreCheckpoint(trainer: Trainer, c: Checkpoint, data: DataIdentity): Promise<void> {
  const mismatch: string[] = [];
  if (JSON.stringify(c.config.model) !== JSON.stringify(trainer.config.model)) mismatch.push('the network');
  for (const key of ['batch', 'lr', 'lrDecay', 'l2', 'momentum', 'seed'] as const) {
    if (c.config[key] !== trainer.config[key]) mismatch.push(`${key} (${c.config[key]} in the checkpoint, ${trainer.config[key]} now)`);
  }
  if (c.data.train !== data.train || c.data.val !== data.val) {
    mismatch.push(`the data (${c.data.train}/${c.data.val} training/validation images in the checkpoint, ${data.train}/${data.val} now)`);
  }
  if (mismatch.length) {
    throw new Error(`The checkpoint belongs to a different run: ${mismatch.join('; ')} differ. Resume with the same options, or start afresh without --resume.`);
  }
  await trainer.setParams(c.params);
  if (c.velocity) await trainer.setVelocity(c.velocity);
  trainer.setState(c.state);
}
