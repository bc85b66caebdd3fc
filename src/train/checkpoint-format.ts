/**
 * The checkpoint file: one safetensors file holding
 *   tensors   params, and the optimiser's state (`velocity` with momentum): each
 *             paramLayout(spec).total F32 values, 1-D; for networks with untrained layer
 *             state (batch norm's running statistics) `layer_state`, stateLayout(spec).total
 *             values
 *   metadata  format "wgtrain-checkpoint-v2"; config, state, data, history, schedule (JSON);
 *             epochSeconds (JSON, optional: each epoch's training seconds or null where
 *             unknown; files written before wgtrain recorded times lack it and still load);
 *             crc32: the CRC-32 of the whole file, computed with these 8 hex digits read as
 *             "00000000" (so it covers header, padding and every tensor byte)
 *
 * Reading checks every field (type, range, lengths against the network's parameter layout)
 * before the checksum, so an edited field is named in the message; the checksum then finds
 * damage no field check can see, such as a flipped bit in a weight. Files of the first
 * format ("wgtrain-checkpoint": no checksum, data digest or schedule) are still read, with
 * `legacy` set so the caller can say what could not be checked.
 */
import { crc32 } from '../data/crc32.ts';
import { paramLayout, stateLayout } from '../model/layout.ts';
import { readModelSpec } from '../model/model-file.ts';
import { architectureText } from '../model/arch.ts';
import { readSafetensors, writeSafetensors } from '../model/safetensors.ts';
import { firstBadValue, scheduleEntry, type Checkpoint, type DataIdentity, type ScheduleEntry } from './checkpoint.ts';
import { isAdam, OPTIMIZERS, optimizerOf, SCHEDULES, type TrainConfig } from './config.ts';
import type { TrainerState } from './trainer.ts';

const CHECKPOINT_FORMAT = 'wgtrain-checkpoint-v2';
const LEGACY_CHECKPOINT_FORMAT = 'wgtrain-checkpoint';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(`invalid checkpoint: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** The optimiser's state tensors a configuration keeps, by name. */
function optimizerStateNames(config: TrainConfig): string[] {
  const o = optimizerOf(config);
  return isAdam(o) ? ['adam_m', 'adam_v'] : o === 'momentum' ? ['velocity'] : [];
}

/** The tensor of untrained layer state. */
const LAYER_STATE = 'layer_state';
const CHECKSUM_KEY = 'crc32';
const UNSET_CHECKSUM = '00000000';
const encoder = new TextEncoder();

/** Encodes a checkpoint, refusing one that holds a value no sound run has (firstBadValue). */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const bad = firstBadValue({ params: c.params, ...c.optimizer });
  if (bad) throw new CheckpointError(`${bad.tensor}[${bad.index}] is ${bad.value}: not written`);
  const tensors = [
    { name: 'params', shape: [c.params.length], data: c.params },
    ...Object.entries(c.optimizer).map(([name, data]) => ({ name, shape: [data.length], data })),
    ...(c.layerState ? [{ name: LAYER_STATE, shape: [c.layerState.length], data: c.layerState }] : []),
  ];
  const bytes = writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(c.config),
    // The generator's spare normal may be NaN (none): JSON keeps it as null.
    state: JSON.stringify({ epoch: c.state.epoch, rng: c.state.rng.map((v) => (Number.isNaN(v) ? null : v)) }),
    data: JSON.stringify(c.data),
    history: JSON.stringify(c.history),
    schedule: JSON.stringify(c.schedule),
    ...(c.epochSeconds ? { epochSeconds: JSON.stringify(c.epochSeconds) } : {}),
    [CHECKSUM_KEY]: UNSET_CHECKSUM,
  });
  return sealChecksum(bytes);
}

/** Where the checksum's 8 hex digits sit in the header, or -1. */
function checksumOffset(bytes: Uint8Array): number {
  const headerEnd = Math.min(bytes.length, 8 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true));
  // JSON escapes the quotes inside metadata values, so this only matches the key itself.
  const key = encoder.encode(`"${CHECKSUM_KEY}":"`);
  outer: for (let i = 8; i + key.length + 8 <= headerEnd; i++) {
    for (let j = 0; j < key.length; j++) if (bytes[i + j] !== key[j]) continue outer;
    return i + key.length;
  }
  return -1;
}

/** The file's CRC-32 with the checksum digits at `at` read as zeros. */
function fileChecksum(bytes: Uint8Array, at: number): string {
  let crc = crc32(bytes.subarray(0, at));
  crc = crc32(encoder.encode(UNSET_CHECKSUM), crc);
  crc = crc32(bytes.subarray(at + 8), crc);
  return crc.toString(16).padStart(8, '0');
}

/** Writes the checksum of a file encoded with an unset one into it (tests use it to craft files). */
export function sealChecksum(bytes: Uint8Array): Uint8Array {
  const at = checksumOffset(bytes);
  if (at < 0) throw new Error('no checksum field to fill in');
  bytes.set(encoder.encode(fileChecksum(bytes, at)), at);
  return bytes;
}

// ---- field checks: each names the field and what it should be ----

function fail(field: string, value: unknown, expected: string): never {
  let shown = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'missing' : JSON.stringify(value);
  if (shown === undefined) shown = String(value);
  if (shown.length > 60) shown = `${shown.slice(0, 57)}…`;
  throw new CheckpointError(`${field} is ${shown}; expected ${expected}`);
}

function json(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new CheckpointError(`the metadata lacks "${key}"`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckpointError(`the metadata "${key}" is not valid JSON`);
  }
}

function object(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, value, 'an object');
  return value as Record<string, unknown>;
}

const isWhole = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function whole(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER, why = ''): number {
  if (!isWhole(v, min, max)) fail(field, v, `a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}${why}`);
  return v;
}

/** Every TrainConfig setting and its check (a new setting must be added here to compile). */
const CONFIG_CHECKS: Record<keyof TrainConfig, (field: string, v: unknown) => void> = {
  model: (field, v) => {
    if (!readModelSpec(v)) fail(field, v, 'a network (input, layers, activation, loss, outputActivation, init)');
  },
  batch: (field, v) => whole(field, v, 1),
  lr: (field, v) => (isFinite(v) && v > 0) || fail(field, v, 'a positive number'),
  lrDecay: (field, v) => (isFinite(v) && v > 0) || fail(field, v, 'a positive number'),
  l2: (field, v) => (isFinite(v) && v >= 0) || fail(field, v, 'a number ≥ 0'),
  momentum: (field, v) => (isFinite(v) && v >= 0 && v < 1) || fail(field, v, 'a number in [0, 1)'),
  epochs: (field, v) => whole(field, v, 1),
  seed: (field, v) => whole(field, v, 0, 2 ** 32 - 1),
  // Absent in files written before Adam (optimizerOf then follows the momentum).
  optimizer: (field, v) => v === undefined || (OPTIMIZERS as readonly unknown[]).includes(v) || fail(field, v, `one of ${OPTIMIZERS.join(', ')}`),
  beta1: (field, v) => v === undefined || (isFinite(v) && v >= 0 && v < 1) || fail(field, v, 'a number in [0, 1)'),
  beta2: (field, v) => v === undefined || (isFinite(v) && v >= 0 && v < 1) || fail(field, v, 'a number in [0, 1)'),
  eps: (field, v) => v === undefined || (isFinite(v) && v > 0) || fail(field, v, 'a positive number'),
  dropout: (field, v) => v === undefined || (isFinite(v) && v >= 0 && v < 1) || fail(field, v, 'a number in [0, 1)'),
  // Absent in files written before schedules and AdamW: the step schedule, no warm-up.
  lrSchedule: (field, v) => v === undefined || (SCHEDULES as readonly unknown[]).includes(v) || fail(field, v, `one of ${SCHEDULES.join(', ')}`),
  warmup: (field, v) => v === undefined || isWhole(v, 0) || fail(field, v, 'a whole number of mini-batches ≥ 0'),
  lrMin: (field, v) => v === undefined || (isFinite(v) && v >= 0) || fail(field, v, 'a number ≥ 0'),
  weightDecay: (field, v) => v === undefined || (isFinite(v) && v >= 0) || fail(field, v, 'a number ≥ 0'),
  // Absent in files written before augmentation, and in runs without it.
  augment: (field, v) => {
    if (v === undefined) return;
    const a = object(field, v);
    const numbers = (name: string, keys: string[]) => {
      const part = a[name];
      if (part === undefined) return;
      const o = object(`${field}.${name}`, part);
      for (const k of keys) if (!(isFinite(o[k]) && o[k] >= 0)) fail(`${field}.${name}.${k}`, o[k], 'a number ≥ 0');
      for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${field}.${name}.${k}`, o[k], `only ${keys.join(', ')}`);
    };
    for (const k of Object.keys(a)) if (k !== 'affine' && k !== 'elastic') fail(`${field}.${k}`, a[k], 'only affine and elastic');
    numbers('affine', ['rotate', 'scale', 'shear', 'shift']);
    numbers('elastic', ['sigma', 'alpha']);
  },
};

function checkConfig(value: unknown): TrainConfig {
  const config = object('config', value);
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(CONFIG_CHECKS, key)) fail(`config.${key}`, config[key], 'no such setting (written by a newer wgtrain?)');
  }
  for (const [key, check] of Object.entries(CONFIG_CHECKS)) check(`config.${key}`, config[key]);
  // Checked above; files written before the layer list hold the older form, read as today's.
  return { ...config, model: readModelSpec(config.model)! } as unknown as TrainConfig;
}

function checkState(value: unknown, config: TrainConfig): TrainerState {
  const state = object('state', value);
  const epoch = whole('state.epoch', state.epoch, 1, config.epochs, ` (the run's epochs)`);
  const rng = state.rng;
  // xoshiro128**'s four u32 words (never all zero), then the spare normal or null.
  if (
    !Array.isArray(rng) || rng.length !== 5 || !rng.slice(0, 4).every((w) => isWhole(w, 0, 2 ** 32 - 1)) ||
    rng.slice(0, 4).every((w) => w === 0) || !(rng[4] === null || (isFinite(rng[4]) && Math.abs(rng[4]) < 10))
  ) {
    fail('state.rng', rng, 'four 32-bit words, not all 0, and a normal draw or null');
  }
  return { epoch, rng: rng.map((v: number | null) => (v === null ? NaN : v)) };
}

function checkData(value: unknown, legacy: boolean): DataIdentity {
  const data = object('data', value);
  if (typeof data.source !== 'string') fail('data.source', data.source, 'a string');
  whole('data.train', data.train, 1);
  whole('data.val', data.val, 1);
  for (const key of ['trainSha256', 'valSha256']) {
    const v = data[key];
    if ((legacy && v === undefined) || (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v))) continue;
    fail(`data.${key}`, v, 'a SHA-256 (64 hex digits)');
  }
  return data as unknown as DataIdentity;
}

function checkHistory(value: unknown, epoch: number): number[] {
  if (!Array.isArray(value) || value.length !== epoch || !value.every((v) => isFinite(v) && v >= 0 && v <= 1)) {
    fail('history', value, `${epoch} accuracies from 0 to 1 (one per epoch trained)`);
  }
  return value;
}

function checkEpochSeconds(value: unknown, epoch: number): (number | null)[] {
  if (!Array.isArray(value) || value.length !== epoch || !value.every((v) => v === null || (isFinite(v) && v >= 0))) {
    fail('epochSeconds', value, `${epoch} training times in seconds, each ≥ 0 or null where unknown (one per epoch trained)`);
  }
  return value;
}

function checkSchedule(value: unknown, epoch: number, config: TrainConfig): ScheduleEntry[] {
  if (!Array.isArray(value) || value.length === 0) fail('schedule', value, 'a list of the settings each stretch of the run used');
  value.forEach((entry, i) => {
    const e = object(`schedule[${i}]`, entry);
    const first = i === 0 ? 1 : (value[i - 1] as ScheduleEntry).from + 1;
    whole(`schedule[${i}].from`, e.from, first, i === 0 ? 1 : epoch);
    CONFIG_CHECKS.lr(`schedule[${i}].lr`, e.lr);
    CONFIG_CHECKS.lrDecay(`schedule[${i}].lrDecay`, e.lrDecay);
    CONFIG_CHECKS.epochs(`schedule[${i}].epochs`, e.epochs);
  });
  const last = value[value.length - 1] as ScheduleEntry;
  if (last.lr !== config.lr || last.lrDecay !== config.lrDecay || last.epochs !== config.epochs) {
    fail(`schedule[${value.length - 1}]`, last, `the config's lr, lrDecay and epochs`);
  }
  return value as ScheduleEntry[];
}

function checkTensor(name: string, t: { shape: number[]; data: Float32Array } | undefined, total: number, arch: string): Float32Array {
  if (!t) throw new CheckpointError(`tensor ${name} is missing`);
  if (t.shape.length !== 1 || t.shape[0] !== total) {
    throw new CheckpointError(`tensor ${name} has shape [${t.shape.join(', ')}], but network ${arch} needs [${total}]`);
  }
  const bad = firstBadValue({ [name]: t.data });
  if (bad) {
    throw new CheckpointError(
      `${name}[${bad.index}] is ${bad.value}; ${Number.isFinite(bad.value) ? "Adam's second moment (a mean of squares) is never negative" : 'a checkpoint holds only finite numbers'}`,
    );
  }
  return t.data;
}

/** Reads a checkpoint file, refusing anything but a sound one with a CheckpointError (or SafetensorsError) naming the field. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  const legacy = metadata.format === LEGACY_CHECKPOINT_FORMAT;
  if (!legacy && metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`format ${JSON.stringify(metadata.format ?? null)} is not "${CHECKPOINT_FORMAT}": this is not a wgtrain checkpoint`);
  }
  const config = checkConfig(json(metadata, 'config'));
  const state = checkState(json(metadata, 'state'), config);
  const data = checkData(json(metadata, 'data'), legacy);
  const history = checkHistory(json(metadata, 'history'), state.epoch);
  const schedule = legacy ? [scheduleEntry(1, config)] : checkSchedule(json(metadata, 'schedule'), state.epoch, config);
  const epochSeconds = metadata.epochSeconds === undefined ? null : checkEpochSeconds(json(metadata, 'epochSeconds'), state.epoch);

  const { total } = paramLayout(config.model);
  const arch = architectureText(config.model);
  const stateTotal = stateLayout(config.model).total;
  const names = optimizerStateNames(config);
  const kept = ['params', ...names, ...(stateTotal ? [LAYER_STATE] : [])];
  const extra = [...tensors.keys()].filter((n) => !kept.includes(n));
  if (extra.length) throw new CheckpointError(`unexpected tensors ${extra.join(', ')} (this configuration keeps ${kept.join(', ')})`);
  const params = checkTensor('params', tensors.get('params'), total, arch);
  const optimizer = Object.fromEntries(names.map((n) => [n, checkTensor(n, tensors.get(n), total, arch)]));
  const layerState = stateTotal ? checkTensor(LAYER_STATE, tensors.get(LAYER_STATE), stateTotal, arch) : null;

  if (!legacy) {
    const recorded = metadata[CHECKSUM_KEY];
    if (recorded === undefined || !/^[0-9a-f]{8}$/.test(recorded)) fail('crc32', recorded, 'a CRC-32 (8 hex digits)');
    const at = checksumOffset(bytes);
    const actual = at < 0 ? undefined : fileChecksum(bytes, at);
    if (at < 0 || new TextDecoder().decode(bytes.subarray(at, at + 8)) !== recorded || actual !== recorded) {
      throw new CheckpointError(
        `checksum mismatch: the file's contents have CRC-32 ${actual ?? '(none found)'} but it records ${recorded}; ` +
          `it was damaged or edited after it was written`,
      );
    }
  }
  return { config, state, data, params, optimizer, ...(layerState ? { layerState } : {}), history, ...(epochSeconds ? { epochSeconds } : {}), schedule, ...(legacy ? { legacy } : {}) };
}
