/**
 * The matmul autotuner, the MatmulPlanner that measures: on the adapter in use, time each
 * candidate on each matmul shape the training step needs and keep the fastest, per adapter and shape, in a cache
 * (a JSON file in Node, autotune.node.ts; IndexedDB in the page, autotune.browser.ts). No list of adapter names decides the
 * kernel: the adapter nobody here can test is exactly where measurement must decide.
 *
 * Timing: each candidate is built once (pipeline compiled), run once to warm up (software
 * adapters compile on first use), then run in submits of `reps` dispatches until the budget
 * for that candidate is spent; the time is the best submit's per-dispatch time (the
 * minimum: the least disturbed by other work on the machine), from timestamp queries where
 * the device has them, else the wall clock around onSubmittedWorkDone (timeCandidate in
 * timing.ts). A candidate whose first timed submit is 4× slower than the best so far is
 * dropped without spending its budget.
 */
import { adapterName, type AdapterSummary, type GpuContext } from './device.ts';
import type { Activation, Loss } from '../model/spec.ts';
import { storageBuffer } from './buffers.ts';
import { destroyDispatch } from './dispatch.ts';
import { STEP_SLOT_BYTES, type KernelCache } from './kernels.ts';
import {
  byteInputFits, candidatePlans, forwardProblem, onesRowKey, parsePlan, planName, problemKey, storedRowsA,
  type MatmulChoice, type MatmulPlan, type MatmulPlanner, type MatmulProblem,
} from './matmul-plans.ts';
import { quadraticCost, softmaxCrossEntropy } from './ops/loss.ts';
import { matmulBackwardInput, matmulForward, matmulPlanned } from './ops/matmul.ts';
import { outputLayer, outputLayerFits } from './ops/output-layer.ts';
import { timeCandidate } from './timing.ts';

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
function defaultBudgetMs(ctx: GpuContext): number {
  return ctx.hasTimestamps ? 10 : 30;
}

/** Splits of a variant stop being measured at one this much slower than its best so far. */
const SPLIT_GIVE_UP = 1.5;

/**
 * The measure of plan names (planName) with the search's stopping rule: splits of one variant
 * come in increasing order, and one that is no faster does not end the search, since on
 * llvmpipe times fall again past it as slices shrink to what the cache holds (a weight
 * gradient over 73,728 rows: 109, 113, 104, 93, 79, 53 ms at 1, 4, 8, 16, 32, 64 slices). A
 * split slower than SPLIT_GIVE_UP × the variant's best so far does (later splits of it read
 * as Infinity, unmeasured): well past the best, more slices only add partial sums to reduce.
 */
export function splitSearch(measure: Measure<string>): Measure<string> {
  const best = new Map<string, number>();
  const stopped = new Set<string>();
  return async (name, budgetMs, giveUpMs) => {
    const plan = parsePlan(name)!;
    if (stopped.has(plan.variant)) return Infinity;
    const before = best.get(plan.variant) ?? Infinity;
    const ms = await measure(name, budgetMs, giveUpMs);
    if (plan.split > 1 && !(ms < SPLIT_GIVE_UP * before)) stopped.add(plan.variant);
    if (ms < before) best.set(plan.variant, ms);
    return ms;
  };
}

/** Scratch operands sized for a problem (reused across candidates). */
function scratchOperands(device: GPUDevice, p: MatmulProblem, bytes: boolean): { a: GPUBuffer; b: GPUBuffer; aux: GPUBuffer; out: GPUBuffer } {
  const aFloats = p.transA ? p.K * p.lda : storedRowsA(p) * p.lda;
  const bFloats = (p.transB ? p.N * p.ldb : p.K * p.ldb) + p.N; // + the bias row
  const size = (n: number) => Math.max(16, Math.ceil((n * 4) / 16) * 16);
  return {
    a: storageBuffer(device, 'tune a', bytes ? size(aFloats / 4) : size(aFloats)),
    b: storageBuffer(device, 'tune b', size(bFloats)),
    aux: storageBuffer(device, 'tune aux', size(Math.max(p.M * p.N, 64))),
    out: storageBuffer(device, 'tune out', size(p.M * p.N)),
  };
}

/**
 * The matmul planner that measures: each decision timed on scratch buffers of the
 * problem's shape the first time it is asked, on the kernel cache's device, and kept by the
 * tuner (its cache of winners per adapter).
 */
export class Autotuner implements MatmulPlanner {
  constructor(
    private readonly k: KernelCache,
    readonly tuner: MatmulTuner,
  ) {}

  /** The fastest candidate plan (candidatePlans) on this adapter. */
  async plan(p: MatmulProblem): Promise<MatmulPlan> {
    const names = candidatePlans(this.k.ctx, p).map(planName);
    const winner = await this.tuner.choose(
      problemKey(p, false),
      names,
      splitSearch((name, budgetMs, giveUpMs) => this.timeOnScratch(p, parsePlan(name)!, false, budgetMs, giveUpMs, false)),
    );
    return parsePlan(winner)!;
  }

  /** It fits, and matmul_vec4_u8 beats the fastest f32 plan on the layer's forward shape. */
  async byteInput(B: number, C: number, OC: number): Promise<boolean> {
    if (!byteInputFits('vec4', B, C, OC)) return false;
    const p = forwardProblem(B, C, OC, 'identity');
    const f32 = await this.plan(p);
    const winner = await this.tuner.choose(problemKey(p, true), ['f32', 'u8'] as ('f32' | 'u8')[], (input, budgetMs, giveUpMs) =>
      this.timeOnScratch(p, input === 'u8' ? { variant: 'vec4', split: f32.split } : f32, input === 'u8', budgetMs, giveUpMs, false),
    );
    return winner === 'u8';
  }

  /**
   * Measured, not guessed from the adapter's name: on SwiftShader selects made layer 2's
   * weight gradient 1.7× faster, on llvmpipe 30% slower.
   */
  async onesRowSelects(p: MatmulProblem, plan: MatmulPlan): Promise<boolean> {
    const winner = await this.tuner.choose(onesRowKey(p, plan), ['branch', 'selects'] as ('branch' | 'selects')[], (form, budgetMs, giveUpMs) =>
      this.timeOnScratch(p, plan, false, budgetMs, giveUpMs, form === 'selects'),
    );
    return winner === 'selects';
  }

  /**
   * Both forms timed on scratch buffers of the layer's shape, the trio with the trainer's
   * matmul choice. Measured, because the answer differs by adapter: on llvmpipe the trio of
   * vec4 kernels measured 2–12× faster; a GPU pays ~3 µs per dispatch and little for the
   * fused kernel's recomputed logits.
   */
  async outputFusion(variant: MatmulChoice, B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation): Promise<boolean> {
    const k = this.k;
    if (!outputLayerFits(k.device, K)) return false;
    const matmuls = { variant, planner: this };
    const key = `output layer ${B}x${C}x${K} ${loss} ${actOut} ${actPrev} matmul ${variant}`;
    const winner = await this.tuner.choose(key, ['unfused', 'fused'] as ('unfused' | 'fused')[], async (form, budgetMs, giveUpMs) => {
      const d = k.device;
      const buf = (label: string, floats: number) => storageBuffer(d, `tune output layer ${label}`, Math.max(16, floats * 4));
      const [h, wb, labels, out, dZ, dH, stats] = [buf('h', B * C), buf('wb', (C + 1) * K), buf('labels', B), buf('out', B * K), buf('dZ', B * K), buf('dH', B * C), buf('stats', 2 * B)];
      const slot = d.createBuffer({ label: 'tune output layer step', size: STEP_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM });
      const step = k.stepBindGroup(slot, 'tune output layer step');
      const dispatches =
        form === 'fused'
          ? [await outputLayer(k, out, dZ, dH, stats, h, wb, labels, B, C, K, loss, actOut, actPrev, step, 'tune output_layer')]
          : [
              await matmulForward(k, matmuls, out, h, wb, B, C, K, loss === 'cross-entropy' ? 'identity' : actOut, 'tune output forward'),
              loss === 'cross-entropy'
                ? await softmaxCrossEntropy(k, dZ, out, labels, stats, B, K, step, 'tune output loss')
                : await quadraticCost(k, dZ, out, labels, stats, B, K, actOut, step, 'tune output loss'),
              await matmulBackwardInput(k, matmuls, dH, dZ, wb, h, B, C, K, actPrev, 'tune output backward input'),
            ];
      try {
        return await timeCandidate(k.ctx, dispatches, budgetMs, giveUpMs);
      } finally {
        dispatches.forEach(destroyDispatch);
        for (const b of [h, wb, labels, out, dZ, dH, stats, slot]) b.destroy();
      }
    });
    return winner === 'fused';
  }

  /** Times one plan (with a byte input: matmul_vec4_u8) on scratch operands of the problem's shape. */
  private async timeOnScratch(p: MatmulProblem, plan: MatmulPlan, bytes: boolean, budgetMs: number, giveUpMs: number, selects: boolean): Promise<number> {
    const ops = scratchOperands(this.k.device, p, bytes);
    const label = `tune ${bytes ? 'vec4_u8' : planName(plan)}`;
    const d = await matmulPlanned(this.k, plan, label, p, bytes ? { bytes: ops.a } : ops.a, ops.b, ops.aux, ops.out, selects);
    try {
      return await timeCandidate(this.k.ctx, d, budgetMs, giveUpMs);
    } finally {
      destroyDispatch(d);
      for (const b of Object.values(ops)) b.destroy();
    }
  }
}

/** The autotuner on a kernel cache's device, keeping its winners in `tuner`. */
export function createAutotuner(k: KernelCache, tuner: MatmulTuner): Autotuner {
  return new Autotuner(k, tuner);
}
