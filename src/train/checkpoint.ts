/**
 * Checkpoints: everything needed to continue a run exactly where an epoch ended (parameters,
 * the optimiser's state, the shuffle generator's state, the epoch, the configuration and
 * which data it trains on). Resuming from it on the same adapter gives bit-identical weights
 * to a run that was never interrupted; it also resumes on another device (a new GPU device,
 * or the CPU reference). The file format is in checkpoint-format.ts, the files on disk in
 * checkpoint.node.ts.
 */
import { architectureText } from '../model/arch.ts';
import { adamParams, isAdam, optimizerOf, optimizerStateCopies, scheduleOf, weightDecayOf, type TrainConfig } from './config.ts';
import type { Trainer, TrainerState } from './trainer.ts';

/** What the data must match for a resume to continue the same run. */
export interface DataIdentity {
  source: string;
  train: number;
  val: number;
  /**
   * SHA-256 (hex) of each split's shape, images and labels (checkpoint.node.ts `dataIdentity`),
   * so other images with the same counts are told apart. Checkpoints written before wgtrain
   * recorded them lack them; those resume on the counts alone, with a note.
   */
  trainSha256?: string;
  valSha256?: string;
}

/** How the data differs from the checkpoint's, one phrase per difference (none: the same data). */
export function dataDifferences(saved: DataIdentity, now: DataIdentity): string[] {
  if (saved.train !== now.train || saved.val !== now.val) {
    return [`the data (${saved.train}/${saved.val} training/validation images in the checkpoint, ${now.train}/${now.val} now)`];
  }
  const out: string[] = [];
  const short = (digest: string) => `${digest.slice(0, 12)}…`;
  for (const [key, what, count] of [['trainSha256', 'training', now.train], ['valSha256', 'validation', now.val]] as const) {
    const [a, b] = [saved[key], now[key]];
    if (a !== undefined && b !== undefined && a !== b) {
      // One digest covers the split's images and labels: a changed label differs as much as a changed pixel.
      out.push(`the ${what} images or labels (SHA-256 ${short(a)} in the checkpoint, ${short(b)} now, ${count} images each)`);
    }
  }
  return out;
}

/**
 * The settings a stretch of the run trained with, from epoch `from` on: the first run's,
 * then one entry for each resume that changed them.
 */
export interface ScheduleEntry {
  from: number;
  lr: number;
  lrDecay: number;
  epochs: number;
}

/** Settings a resumed run may change; every other one is part of what the run is. */
const RESUME_MAY_CHANGE = ['lr', 'lrDecay', 'epochs'] as const;

export interface Checkpoint {
  /** The settings of the latest stretch (see `schedule` for earlier ones). */
  config: TrainConfig;
  state: TrainerState;
  data: DataIdentity;
  params: Float32Array;
  /**
   * The optimiser's state tensors by name, each as long as `params`: `velocity` (momentum),
   * `adam_m` and `adam_v` (Adam's first and second moments).
   */
  optimizer: Record<string, Float32Array>;
  /** Untrained layer state (batch norm's running statistics, stateLayout); absent for networks without any. */
  layerState?: Float32Array;
  /** Validation accuracy after each completed epoch. */
  history: number[];
  /**
   * Training seconds of each completed epoch (validation excluded), null where unknown (epochs
   * trained before a resume from a checkpoint without times); absent in checkpoints written
   * before wgtrain recorded them.
   */
  epochSeconds?: (number | null)[];
  schedule: ScheduleEntry[];
  /** Read from a file of the first format: it had no checksum and no data digest to check. */
  legacy?: boolean;
}

export function scheduleEntry(from: number, config: TrainConfig): ScheduleEntry {
  return { from, lr: config.lr, lrDecay: config.lrDecay, epochs: config.epochs };
}

/** The checkpoint's schedule, with an entry for the next epoch on when `config` changes its settings. */
export function continueSchedule(c: Checkpoint, config: TrainConfig): ScheduleEntry[] {
  const changed = RESUME_MAY_CHANGE.some((key) => c.config[key] !== config[key]);
  return changed ? [...c.schedule, scheduleEntry(c.state.epoch + 1, config)] : [...c.schedule];
}

export interface Difference {
  /** A TrainConfig key, or `model.<key>` for the network's. */
  field: string;
  saved: unknown;
  now: unknown;
}

/**
 * A configuration with its implied settings spelled out (the optimiser momentum implies, no
 * dropout, Adam's defaults only under Adam and AdamW, AdamW's weight decay, the step schedule
 * without warm-up, a floor of 0), so a setting stated is not told apart from the same setting
 * left implied.
 */
function explicit(c: TrainConfig): TrainConfig {
  const optimizer = optimizerOf(c);
  const lrSchedule = scheduleOf(c);
  const { beta1, beta2, eps, weightDecay, lrMin, ...rest } = c;
  return {
    ...rest, optimizer, dropout: c.dropout ?? 0, ...(isAdam(optimizer) ? adamParams(c) : { beta1, beta2, eps }),
    weightDecay: optimizer === 'adamw' ? weightDecayOf(c) : weightDecay,
    lrSchedule, warmup: c.warmup ?? 0, lrMin: lrMin ?? 0,
  };
}

/** The settings, besides those a resume may change, that differ between two configurations. */
export function runDifferences(savedConfig: TrainConfig, nowConfig: TrainConfig): Difference[] {
  const [saved, now] = [explicit(savedConfig), explicit(nowConfig)];
  const out: Difference[] = [];
  const compare = (prefix: string, a: object, b: object, skip: readonly string[]) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (skip.includes(key)) continue;
      const [x, y] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ field: prefix + key, saved: x, now: y });
    }
  };
  // The network as its --arch text, input and layers together.
  const [a, b] = [architectureText(saved.model), architectureText(now.model)];
  if (a !== b) out.push({ field: 'model.layers', saved: a, now: b });
  compare('model.', saved.model, now.model, ['input', 'layers']);
  compare('', saved, now, [...RESUME_MAY_CHANGE, 'model']);
  return out;
}

/** How a setting's value reads in messages: sizes as 784-300-10, numbers and words as they are. */
export function formatSetting(value: unknown): string {
  if (value === undefined) return 'none'; // an optional setting left out (no augmentation)
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join('-');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

export async function takeCheckpoint(
  trainer: Trainer,
  data: DataIdentity,
  history: number[],
  schedule: ScheduleEntry[] = [scheduleEntry(1, trainer.config)],
  epochSeconds?: (number | null)[],
): Promise<Checkpoint> {
  const velocity = await trainer.getVelocity();
  const n = velocity ? velocity.length / optimizerStateCopies(trainer.config) : 0;
  const layerState = await trainer.getLayerState();
  return {
    config: trainer.config,
    state: trainer.getState(),
    data,
    params: await trainer.getParams(),
    // Trainers keep Adam's m and v as one array, m first.
    optimizer: !velocity ? {} : isAdam(optimizerOf(trainer.config)) ? { adam_m: velocity.slice(0, n), adam_v: velocity.slice(n) } : { velocity },
    ...(layerState.length ? { layerState } : {}),
    history: [...history],
    ...(epochSeconds ? { epochSeconds: [...epochSeconds] } : {}),
    schedule: [...schedule],
  };
}

/** Puts a trainer in the checkpoint's state, after checking it continues the same run. */
export async function restoreCheckpoint(trainer: Trainer, c: Checkpoint, data: DataIdentity): Promise<void> {
  const mismatch = runDifferences(c.config, trainer.config).map(
    (d) => `${d.field} (${formatSetting(d.saved)} in the checkpoint, ${formatSetting(d.now)} now)`,
  );
  mismatch.push(...dataDifferences(c.data, data));
  if (mismatch.length) {
    throw new Error(`The checkpoint belongs to a different run: ${mismatch.join('; ')} differ. Resume with the same options, or start afresh without --resume.`);
  }
  await trainer.setParams(c.params);
  if (c.layerState) await trainer.setLayerState(c.layerState);
  const names = Object.keys(c.optimizer).sort().join();
  if (names === 'adam_m,adam_v') {
    const both = new Float32Array(c.optimizer.adam_m.length * 2);
    both.set(c.optimizer.adam_m);
    both.set(c.optimizer.adam_v, c.optimizer.adam_m.length);
    await trainer.setVelocity(both);
  } else if (names === 'velocity') {
    await trainer.setVelocity(c.optimizer.velocity);
  } else if (names !== '') {
    throw new Error(`This trainer keeps no optimiser state "${names}".`);
  }
  trainer.setState(c.state);
}

/** A value no sound checkpoint or model holds: where it is and what it is. */
export interface BadValue {
  tensor: string;
  index: number;
  value: number;
}

/**
 * The first value that must not be written: a non-finite number in any tensor, or a negative
 * one in Adam's second moment (a mean of squares). Checked before every checkpoint and model
 * is written, because a NaN weight whose input is always 0 never shows in the loss.
 */
export function firstBadValue(tensors: Record<string, Float32Array>): BadValue | null {
  for (const [tensor, data] of Object.entries(tensors)) {
    const index = tensor === 'adam_v' ? data.findIndex((v) => !(v >= 0) || v === Infinity) : data.findIndex((v) => !Number.isFinite(v));
    if (index >= 0) return { tensor, index, value: data[index] };
  }
  return null;
}
