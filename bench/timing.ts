/**
 * Timing GPU dispatches and CPU functions: validate first (callers do), warm up, then
 * repeat. GPU passes are timed by src/gpu/timing.ts, the autotuner's clock: timestamp
 * queries around the compute pass where the adapter has them, else the wall clock around
 * queue.onSubmittedWorkDone().
 */
import type { GpuContext } from '../src/gpu/device.ts';
import type { Dispatch } from '../src/gpu/dispatch.ts';
import { dispatchTimer } from '../src/gpu/timing.ts';
import { meanSd } from './table.ts';

export interface Timing {
  mean: number;
  sd: number;
  /** 'timestamp' or 'wall' */
  clock: string;
}

const TARGET_MS = 25; // each measurement runs at least this long
const MEASUREMENTS = 5;

/** Runs `dispatches` once and waits for them (to validate a result before timing it). */
export async function runOnce(ctx: GpuContext, dispatches: Dispatch[]): Promise<void> {
  const timer = dispatchTimer(ctx, dispatches, 'bench');
  await timer.run(1, false);
  timer.destroy();
}

/** Milliseconds per repetition of `dispatches` (encoded back to back in one pass): mean ± sd of MEASUREMENTS passes. */
export async function timeGpu(ctx: GpuContext, dispatches: Dispatch[]): Promise<Timing> {
  const timer = dispatchTimer(ctx, dispatches, 'bench');
  try {
    const once = await timer.run(1, false); // warm-up, and a first estimate
    const repeats = Math.max(1, Math.min(1000, Math.ceil(TARGET_MS / Math.max(once, 0.01))));
    const samples: number[] = [];
    for (let m = 0; m < MEASUREMENTS; m++) samples.push(await timer.run(repeats));
    return { ...meanSd(samples), clock: timer.clock };
  } finally {
    timer.destroy();
  }
}

/** Milliseconds per call of `fn`. */
export function timeCpu(fn: () => void, budgetMs = TARGET_MS): Timing {
  const t0 = performance.now();
  fn(); // warm-up
  const once = performance.now() - t0;
  const repeats = Math.max(1, Math.ceil(budgetMs / Math.max(once, 0.001)));
  const samples: number[] = [];
  const measurements = once > 500 ? 2 : MEASUREMENTS; // the CPU at 1024³ takes seconds a call
  for (let m = 0; m < measurements; m++) {
    const s = performance.now();
    for (let r = 0; r < repeats; r++) fn();
    samples.push((performance.now() - s) / repeats);
  }
  return { ...meanSd(samples), clock: 'wall' };
}
