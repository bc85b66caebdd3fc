/**
 * Timing GPU dispatches and CPU functions: validate first (callers do), warm up, then
 * repeat. GPU time comes from timestamp queries around the compute pass where the adapter
 * has them, else from the wall clock around queue.onSubmittedWorkDone().
 */
import type { GpuContext } from '../src/gpu/device.ts';
import { encodeDispatch, type Dispatch } from '../src/gpu/dispatch.ts';
import { meanSd } from './table.ts';

export interface Timing {
  mean: number;
  sd: number;
  /** 'timestamp' or 'wall' */
  clock: string;
}

const TARGET_MS = 25; // each measurement runs at least this long
const MEASUREMENTS = 5;

async function runPass(ctx: GpuContext, dispatches: Dispatch[], repeats: number, query: GPUQuerySet | null, resolve: GPUBuffer | null) {
  const d = ctx.device;
  const encoder = d.createCommandEncoder({ label: 'bench' });
  const pass = encoder.beginComputePass(
    query ? { timestampWrites: { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
  );
  for (let r = 0; r < repeats; r++) for (const disp of dispatches) encodeDispatch(pass, disp, 0);
  pass.end();
  if (query && resolve) encoder.resolveQuerySet(query, 0, 2, resolve, 0);
  const t0 = performance.now();
  d.queue.submit([encoder.finish()]);
  await d.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** Runs `dispatches` once and waits for them (to validate a result before timing it). */
export async function runOnce(ctx: GpuContext, dispatches: Dispatch[]): Promise<void> {
  await runPass(ctx, dispatches, 1, null, null);
}

/** Milliseconds per repetition of `dispatches` (encoded back to back in one pass). */
export async function timeGpu(ctx: GpuContext, dispatches: Dispatch[]): Promise<Timing> {
  const d = ctx.device;
  const query = ctx.hasTimestamps ? d.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = query ? d.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const staging = query ? d.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  const once = await runPass(ctx, dispatches, 1, null, null); // warm-up, and a first estimate
  const repeats = Math.max(1, Math.min(1000, Math.ceil(TARGET_MS / Math.max(once, 0.01))));
  const samples: number[] = [];
  for (let m = 0; m < MEASUREMENTS; m++) {
    const wall = await runPass(ctx, dispatches, repeats, query, resolve);
    if (query && resolve && staging) {
      const e = d.createCommandEncoder();
      e.copyBufferToBuffer(resolve, 0, staging, 0, 16);
      d.queue.submit([e.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const [begin, end] = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      samples.push(Number(end - begin) / 1e6 / repeats);
    } else {
      samples.push(wall / repeats);
    }
  }
  query?.destroy();
  resolve?.destroy();
  staging?.destroy();
  return { ...meanSd(samples), clock: query ? 'timestamp' : 'wall' };
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
