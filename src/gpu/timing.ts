/**
 * Timing built dispatches on the GPU, for the autotuner and the bench: a pass of `reps`
 * back-to-back repetitions, timed by timestamp queries around the pass where the device has
 * them (the GPU's own clock: no submit or fence latency in it), else by the wall clock
 * around queue.onSubmittedWorkDone().
 */
import type { GpuContext } from './device.ts';
import { encodeDispatch, type Dispatch } from './dispatch.ts';

export interface DispatchTimer {
  /** 'timestamp' or 'wall': where run() reads its time. */
  clock: 'timestamp' | 'wall';
  /** Ms per repetition of one pass of `reps` repetitions; untimed (`timed` false): the wall clock. */
  run(reps: number, timed?: boolean): Promise<number>;
  destroy(): void;
}

export function dispatchTimer(ctx: GpuContext, dispatches: Dispatch[], label = dispatches[0]?.label ?? 'timing'): DispatchTimer {
  const device = ctx.device;
  const query = ctx.hasTimestamps ? device.createQuerySet({ label: `${label} timestamps`, type: 'timestamp', count: 2 }) : null;
  const resolve = query ? device.createBuffer({ label: `${label} timestamps`, size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const staging = query ? device.createBuffer({ label: `${label} timestamps read`, size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  return {
    clock: query ? 'timestamp' : 'wall',
    async run(reps, timed = true) {
      const encoder = device.createCommandEncoder({ label });
      const stamp = timed ? query : null;
      const pass = encoder.beginComputePass(stamp ? { timestampWrites: { querySet: stamp, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      for (let r = 0; r < reps; r++) for (const d of dispatches) encodeDispatch(pass, d);
      pass.end();
      if (stamp && resolve && staging) {
        encoder.resolveQuerySet(stamp, 0, 2, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16);
      }
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      const wall = (performance.now() - t0) / reps;
      if (!stamp || !staging) return wall;
      await staging.mapAsync(GPUMapMode.READ);
      const [begin, end] = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      // A clock that did not advance (an adapter that writes zeros) leaves the wall clock.
      return end > begin ? Number(end - begin) / 1e6 / reps : wall;
    },
    destroy() {
      query?.destroy();
      resolve?.destroy();
      staging?.destroy();
    },
  };
}

/**
 * The autotuner's measure of built dispatches (with a split-K reduce, if any) on the buffers
 * they were built over: one untimed run to warm up (software adapters compile the shader on
 * its first dispatch), then passes of `reps` until `budgetMs` is spent; the best pass's ms
 * per repetition (the minimum: the least disturbed by other work on the machine). Infinity
 * when the first timed run is over `giveUpMs`.
 */
export async function timeCandidate(ctx: GpuContext, dispatches: Dispatch | Dispatch[], budgetMs: number, giveUpMs: number): Promise<number> {
  const list = Array.isArray(dispatches) ? dispatches : [dispatches];
  const timer = dispatchTimer(ctx, list, `tune ${list[0].label}`);
  try {
    await timer.run(1, false);
    const first = await timer.run(1); // the early give-up
    if (first > giveUpMs) return Infinity;
    let best = first;
    const reps = Math.max(1, Math.min(50, Math.floor(budgetMs / 4 / Math.max(first, 0.005))));
    const start = performance.now();
    while (performance.now() - start < budgetMs) best = Math.min(best, await timer.run(reps));
    return best;
  } finally {
    timer.destroy();
  }
}
