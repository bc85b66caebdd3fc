/**
 * The matmul autotuner: on the adapter in use, time each candidate variant on each matmul
 * shape the training step needs and keep the fastest, per adapter and shape, in a cache
 * (a JSON file in Node, autotune.node.ts; IndexedDB in the page, autotune.browser.ts). No list of adapter names decides the
 * kernel: the adapter nobody here can test is exactly where measurement must decide.
 *
 * Timing: each candidate is built once (pipeline compiled), run once to warm up (software
 * adapters compile on first use), then run in submits of `reps` dispatches until the budget
 * for that candidate is spent; the time is the best submit's per-dispatch time (the
 * minimum: the least disturbed by other work on the machine), from timestamp queries where
 * the device has them, else the wall clock around onSubmittedWorkDone. A
 * candidate whose first timed submit is 4× slower than the best so far is dropped without
 * spending its budget.
 */
import { storageBuffer } from './buffers.ts';
import { adapterName, type AdapterSummary, type GpuContext } from './device.ts';
import type { KernelCache } from './kernels.ts';
import { encodeDispatch, type Dispatch } from './dispatch.ts';
import type { MatmulProblem } from './matmul-plans.ts';

/** Where the winners are kept between runs. */
export interface TuneStore {
  load(): Record<string, Record<string, string>>;
  save(all: Record<string, Record<string, string>>): void;
}

/** An in-memory store (tests, and where nothing can be persisted). */
export function memoryStore(initial: Record<string, Record<string, string>> = {}): TuneStore {
  let data = structuredClone(initial);
  return { load: () => structuredClone(data), save: (all) => (data = structuredClone(all)) };
}

/** One measured shape: milliseconds per dispatch of each candidate (Infinity: dropped early). */
export interface TuneResult {
  key: string;
  winner: string;
  ms: Record<string, number>;
  cached: boolean;
  /** Candidates that failed to build or run, with the first line of why (timed as Infinity). */
  errors?: Record<string, string>;
}

/** The cache key of an adapter: its name, backend and driver description. */
export function adapterKey(a: AdapterSummary): string {
  return `${adapterName(a)} [${a.backend}, ${a.featureLevel}]`;
}

export type Measure<T extends string> = (candidate: T, budgetMs: number, giveUpMs: number) => Promise<number>;

export class MatmulTuner {
  /** Every shape tuned or read from the cache in this session, for `wgtrain devices --tune`. */
  readonly results: TuneResult[] = [];
  private winners: Record<string, string>;
  private all: Record<string, Record<string, string>>;
  private pending = new Map<string, Promise<string>>();

  constructor(
    private readonly adapter: string,
    private readonly store: TuneStore,
    readonly budgetMs = 30,
  ) {
    this.all = store.load();
    this.winners = this.all[adapter] ?? {};
  }

  /**
   * The fastest of `candidates` for the problem: from the cache, or measured now (and
   * cached). `measure` times one candidate; concurrent calls for one shape measure once.
   */
  choose<T extends string>(key: string, candidates: T[], measure: Measure<T>): Promise<T> {
    const known = this.winners[key] as T | undefined;
    if (known && candidates.includes(known)) {
      if (!this.results.some((r) => r.key === key)) this.results.push({ key, winner: known, ms: {}, cached: true });
      return Promise.resolve(known);
    }
    let p = this.pending.get(key) as Promise<T> | undefined;
    if (!p) {
      p = this.tune(key, candidates, measure);
      this.pending.set(key, p);
    }
    return p;
  }

  private async tune<T extends string>(key: string, candidates: T[], measure: Measure<T>): Promise<T> {
    const ms: Record<string, number> = {};
    const errors: Record<string, string> = {};
    let best = Infinity;
    let winner = candidates[0];
    for (const v of candidates) {
      // A candidate this adapter's compiler or limits refuse loses; it does not stop the run.
      let t = Infinity;
      try {
        t = await measure(v, this.budgetMs, 4 * best);
      } catch (e) {
        errors[v] = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      }
      ms[v] = t;
      if (t < best) {
        best = t;
        winner = v;
      }
    }
    if (Object.keys(errors).length === candidates.length) {
      throw new Error(`The autotuner could not run any candidate for ${key}: ${Object.entries(errors).map(([v, e]) => `${v}: ${e}`).join('; ')}`);
    }
    this.results.push({ key, winner, ms, cached: false, ...(Object.keys(errors).length ? { errors } : {}) });
    this.winners[key] = winner;
    this.all = { ...this.store.load(), [this.adapter]: { ...(this.store.load()[this.adapter] ?? {}), [key]: winner } };
    this.store.save(this.all);
    return winner;
  }
}

/** A tuner for this device's adapter, with its store. */
export function createTuner(ctx: GpuContext, store: TuneStore, budgetMs?: number): MatmulTuner {
  return new MatmulTuner(adapterKey(ctx.adapter), store, budgetMs ?? defaultBudgetMs(ctx));
}

/**
 * Milliseconds of timing per candidate: 10 with timestamp queries (the GPU's own clock, no
 * submit latency to average away), 30 with the wall clock. A GPU step's shapes times ~20
 * candidates each, so this is most of the first run's tuning time (cached after).
 */
export function defaultBudgetMs(ctx: GpuContext): number {
  return ctx.hasTimestamps ? 10 : 30;
}

/**
 * Times built dispatches (with a split-K reduce, if any), encoded back to back, on the buffers
 * they were built over:
 * ms per dispatch, from timestamp queries around the pass where the device has them (the
 * GPU's own clock: no submit or fence latency in it), else the wall clock around
 * onSubmittedWorkDone. Infinity when its first timed submit is over `giveUpMs`.
 */
export async function timeCandidate(
  k: KernelCache, dispatches: Dispatch | Dispatch[], budgetMs: number, giveUpMs: number,
): Promise<number> {
  const device = k.device;
  const list = Array.isArray(dispatches) ? dispatches : [dispatches];
  const timestamps = k.ctx.hasTimestamps;
  const query = timestamps ? device.createQuerySet({ label: 'tune timestamps', type: 'timestamp', count: 2 }) : null;
  const resolve = query ? device.createBuffer({ label: 'tune timestamps', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const staging = query ? device.createBuffer({ label: 'tune timestamps read', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  const runReps = async (reps: number, timed = true) => {
    const encoder = device.createCommandEncoder({ label: `tune ${list[0].label}` });
    const stamp = timed && query;
    const pass = encoder.beginComputePass(stamp ? { timestampWrites: { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    for (let r = 0; r < reps; r++) for (const d of list) encodeDispatch(pass, d);
    pass.end();
    if (stamp && resolve && staging) {
      encoder.resolveQuerySet(query, 0, 2, resolve, 0);
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
  };
  try {
    await runReps(1, false); // warm-up: software adapters compile the shader on its first dispatch
    const first = await runReps(1); // the early give-up
    if (first > giveUpMs) return Infinity;
    let best = first;
    const reps = Math.max(1, Math.min(50, Math.floor(budgetMs / 4 / Math.max(first, 0.005))));
    const start = performance.now();
    while (performance.now() - start < budgetMs) best = Math.min(best, await runReps(reps));
    return best;
  } finally {
    query?.destroy();
    resolve?.destroy();
    staging?.destroy();
  }
}

/** Scratch operands sized for a problem (reused across candidates). */
export function scratchOperands(device: GPUDevice, p: MatmulProblem, bytes: boolean): { a: GPUBuffer; b: GPUBuffer; aux: GPUBuffer; out: GPUBuffer } {
  const rowsA = p.mode >= 2 ? p.M - 1 : p.M;
  const aFloats = p.transA ? p.K * p.lda : rowsA * p.lda;
  const bFloats = (p.transB ? p.N * p.ldb : p.K * p.ldb) + p.N; // + the bias row
  const size = (n: number) => Math.max(16, Math.ceil((n * 4) / 16) * 16);
  return {
    a: storageBuffer(device, 'tune a', bytes ? size(aFloats / 4) : size(aFloats)),
    b: storageBuffer(device, 'tune b', size(bFloats)),
    aux: storageBuffer(device, 'tune aux', size(Math.max(p.M * p.N, 64))),
    out: storageBuffer(device, 'tune out', size(p.M * p.N)),
  };
}
