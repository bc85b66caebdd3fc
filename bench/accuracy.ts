/**
 * Time to accuracy: a preset's whole recipe (its epochs, schedule and optimiser) on the
 * 50,000 training images, validation after every epoch, and the training time (validation
 * excluded, from the first mini-batch) at which validation first reached 98%, 99% and 99.5%:
 * wgtrain on the adapter in use beside PyTorch running the same network and recipe on the
 * same data in the same run (bench/peers/pytorch.py's accuracy job: CUDA where present, else
 * the CPU, at torch's default threads and, where those leave cores idle, again on every core). TF.js is not raced here: its samples/s on the convolutional presets (the `cnn`
 * section) would put one epoch at many minutes on a software adapter; the table says so.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Split } from '../src/data/dataset.ts';
import type { GpuContext } from '../src/gpu/device.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { PRESETS, type PresetName } from '../src/train/config.ts';
import { ACCURACY_MILESTONES, percentText, timesToAccuracy } from '../src/train/time-to-accuracy.ts';
import { detectTorch, moreThreads, PYTORCH_SCRIPT } from './peers/run-pytorch.ts';
import { table } from './table.ts';

const exec = promisify(execFile);

/** One trainer's race: validation accuracy and training seconds per epoch, and the time to each milestone. */
interface AccuracyRun {
  trainer: string;
  /** Why it did not run (no torch, a failure); the fields below are then empty. */
  reason?: string;
  valAccuracies: number[];
  epochSeconds: number[];
  /** Seconds to each of ACCURACY_MILESTONES (null: not reached). */
  timeTo: (number | null)[];
  note: string;
  /** PyTorch's intra-op threads on the CPU (null on CUDA or where it did not run). */
  threads?: number | null;
}

export interface AccuracyResult {
  preset: PresetName;
  recipe: string;
  runs: AccuracyRun[];
}

/** wgtrain's GPU trainer on the preset's whole recipe. */
async function wgtrainRun(ctx: GpuContext, preset: PresetName, train: Split, val: Split, adapter: string): Promise<AccuracyRun> {
  const trainer = await GpuTrainer.create(ctx, PRESETS[preset], train, val);
  const valAccuracies: number[] = [];
  const epochSeconds: number[] = [];
  try {
    for (let e = 0; e < PRESETS[preset].epochs; e++) {
      const r = await trainer.trainEpoch();
      valAccuracies.push(r.val.accuracy);
      epochSeconds.push(r.trainSeconds);
    }
  } finally {
    trainer.destroy();
  }
  const timeTo = timesToAccuracy(valAccuracies, epochSeconds).map((t) => t.seconds);
  return { trainer: `wgtrain GPU (${adapter})`, valAccuracies, epochSeconds, timeTo, note: 'training seconds as the CLI reports them (EpochReport.trainSeconds)' };
}

/** PyTorch on the same recipe (pytorch.py's accuracy job), at its default threads or `threads`; never throws. */
async function pytorchRun(preset: PresetName, data: string, threads?: number): Promise<AccuracyRun> {
  const empty = { valAccuracies: [], epochSeconds: [], timeTo: [], note: '' };
  const python = process.env.WGTRAIN_PYTHON ?? 'python3';
  const torch = await detectTorch(python);
  if (!torch.ok) return { trainer: 'PyTorch', reason: torch.reason, ...empty };
  const job = {
    preset, config: PRESETS[preset], data: resolve(data), validation: 10000, batches: [PRESETS[preset].batch],
    epochs: 1, warmup: 1, images: null, accuracy: { thresholds: ACCURACY_MILESTONES }, ...(threads ? { threads } : {}),
  };
  try {
    const { stdout } = await exec(python, [PYTORCH_SCRIPT, '--config', JSON.stringify(job)], { timeout: 3_600_000, maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    const row = result.rows?.[0];
    if (result.error || !row || !Array.isArray(row.valAccuracies)) return { trainer: 'PyTorch', reason: result.error ?? 'no accuracy row', ...empty };
    return {
      trainer: `PyTorch ${result.torch} eager (${result.deviceName}${threads ? `, all ${threads} cores` : ''})`,
      threads: result.threads ?? null,
      valAccuracies: row.valAccuracies,
      epochSeconds: row.epochSeconds,
      timeTo: ACCURACY_MILESTONES.map((t) => row.timeTo[String(t)] ?? null),
      note: result.note,
    };
  } catch (e) {
    const err = e as { stdout?: string; message: string };
    return { trainer: 'PyTorch', reason: (err.stdout?.trim().split('\n').pop() ?? err.message).slice(0, 300), ...empty };
  }
}

export async function accuracyRace(ctx: GpuContext, adapter: string, preset: PresetName, train: Split, val: Split, data: string): Promise<AccuracyResult> {
  const c = PRESETS[preset];
  const recipe = `${preset}: batch ${c.batch}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ${c.optimizer ?? 'sgd'} η ${c.lr}, ${c.lrSchedule ?? 'step'} schedule`;
  const runs = [await wgtrainRun(ctx, preset, train, val, adapter), await pytorchRun(preset, data)];
  // PyTorch's default threads may leave cores idle that llvmpipe uses: then again on all of them.
  const threads = moreThreads(runs[1].threads, cpus().length);
  if (threads) runs.push(await pytorchRun(preset, data, threads));
  return { preset, recipe, runs };
}

const seconds = (s: number | null) => (s === null ? 'not reached' : `${s.toFixed(1)} s`);

export function formatAccuracy(r: AccuracyResult): string {
  const rows = r.runs.map((run) =>
    run.reason
      ? [run.trainer, ...ACCURACY_MILESTONES.map(() => ''), '', `skipped: ${run.reason}`]
      : [
        run.trainer,
        ...run.timeTo.map(seconds),
        run.valAccuracies.map((a) => `${(100 * a).toFixed(2)}%`).join(', '),
        `${run.epochSeconds.reduce((a, b) => a + b, 0).toFixed(1)} s training`,
      ]);
  rows.push(['TF.js webgpu', ...ACCURACY_MILESTONES.map(() => ''), '', 'not raced: see its samples/s in the cnn section (an epoch takes many minutes on a software adapter)']);
  return `${r.recipe}\n\n${table(['trainer', ...ACCURACY_MILESTONES.map((t) => `time to ${percentText(t)}`), 'validation per epoch', 'total'], rows)}`;
}
