/**
 * One training step of a preset taken apart: every dispatch of the trainer's step program
 * (GpuTrainer.stepProgram, with its chained split-K reduces and batch-norm passes) timed
 * alone, in the order the step runs them, beside the whole step timed as one. Where a
 * convolutional step's time goes, layer by layer and role by role, on the adapter in use:
 * `npm run bench -- --only steps`. A dispatch timed alone runs with its inputs in cache, so
 * the parts add up to less than the whole step; their shares still rank the kernels.
 */
import { subset, type Split } from '../src/data/dataset.ts';
import type { GpuContext } from '../src/gpu/device.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { PRESETS, type PresetName, type TrainConfig } from '../src/train/config.ts';
import { fmtMs, table } from './table.ts';
import { timeGpu } from './timing.ts';

interface StepPart {
  /** The dispatch's label: layer, role and the kernel it runs, e.g. "conv 2 backward weight [conv_gemm_rows, k in 72 slices]". */
  label: string;
  ms: number;
  sd: number;
}

export interface StepProfile {
  preset: string;
  batch: number;
  /** The whole step program timed as one, ms. */
  stepMs: number;
  stepSd: number;
  parts: StepPart[];
}

/** Times one step of `config` (named `preset`) on `train`'s first mini-batches, whole and dispatch by dispatch. */
export async function stepProfile(ctx: GpuContext, preset: string, config: TrainConfig, train: Split, val: Split): Promise<StepProfile> {
  const trainer = await GpuTrainer.create(ctx, { ...config, epochs: 1 }, train, val);
  try {
    trainer.beginEpoch(); // the step slots' rates and the shuffled order
    const step = await timeGpu(ctx, trainer.stepProgram);
    const parts: StepPart[] = [];
    for (const d of trainer.stepProgram) {
      const t = await timeGpu(ctx, [d]);
      parts.push({ label: d.label, ms: t.mean, sd: t.sd });
    }
    return { preset, batch: config.batch, stepMs: step.mean, stepSd: step.sd, parts };
  } finally {
    trainer.destroy();
  }
}

/** stepProfile of a named preset, on a subset of `train` of four mini-batches. */
export function presetStepProfile(ctx: GpuContext, preset: PresetName, train: Split, val: Split): Promise<StepProfile> {
  const config = PRESETS[preset];
  return stepProfile(ctx, preset, config, subset(train, Math.min(train.count, 4 * config.batch)), val);
}

/** One table per profile: each dispatch's ms ± sd and share of the parts' sum, then the sum and the whole step. */
export function formatStepProfile(p: StepProfile): string {
  const sum = p.parts.reduce((s, x) => s + x.ms, 0);
  const rows = p.parts.map((x) => [x.label, fmtMs(x.ms, x.sd), `${((100 * x.ms) / sum).toFixed(1)}%`]);
  rows.push(['sum of the dispatches timed alone', `${sum.toFixed(2)} ms`, '100%']);
  rows.push(['the whole step timed as one', fmtMs(p.stepMs, p.stepSd), '']);
  return `${p.preset} (batch ${p.batch}): ${Math.round((1000 * p.batch) / p.stepMs)} samples/s from the whole step\n\n${table(['dispatch', 'ms per call', 'share'], rows)}`;
}
