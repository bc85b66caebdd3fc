/**
 * The matmul autotuner: it keeps the fastest measured candidate per shape, caches winners
 * per adapter (in memory, in a file), measures a shape once however many layers ask, and a
 * trainer built with 'auto' tunes its step's shapes on the real adapter and trains as the
 * CPU reference does.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { MatmulTuner, memoryStore, splitSearch } from '../../src/gpu/autotune.ts';
import { fileStore } from '../../src/gpu/autotune.node.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { denseNetwork } from '../../src/model/arch.ts';

describe('MatmulTuner', () => {
  const times: Record<string, number> = { naive: 9, blocked: 3, vec4: 1, tiled: 5 };

  it('keeps the fastest candidate, gives the others an early-exit bound, and caches the winner', async () => {
    const store = memoryStore();
    const tuner = new MatmulTuner('adapter A', store);
    const calls: [string, number][] = [];
    const measure = async (v: string, _budget: number, giveUp: number) => {
      calls.push([v, giveUp]);
      return times[v];
    };
    expect(await tuner.choose('100x300x784', ['naive', 'blocked', 'vec4', 'tiled'], measure)).toBe('vec4');
    expect(calls).toEqual([['naive', Infinity], ['blocked', 36], ['vec4', 12], ['tiled', 4]]);
    expect(store.load()).toEqual({ 'adapter A': { '100x300x784': 'vec4' } });
    expect(tuner.results[0]).toMatchObject({ key: '100x300x784', winner: 'vec4', cached: false, ms: times });

    // A new session on the same adapter reads the winner without measuring; another adapter measures.
    const again = new MatmulTuner('adapter A', store);
    expect(await again.choose('100x300x784', ['naive', 'blocked', 'vec4', 'tiled'], async () => expect.fail('measured again'))).toBe('vec4');
    expect(again.results[0].cached).toBe(true);
    const other = new MatmulTuner('adapter B', store);
    expect(await other.choose('100x300x784', ['naive', 'tiled'], async (v) => times[v])).toBe('tiled');
    expect(Object.keys(store.load())).toEqual(['adapter A', 'adapter B']);
  });

  it('measures splits past one that is no faster, and stops at one 1.5× slower than the best so far', async () => {
    // llvmpipe's weight gradient over 73,728 rows (ms): slower at 4 slices, fastest at 64.
    const ms: Record<string, number> = { vec4: 109, 'vec4/k2': 111, 'vec4/k4': 113, 'vec4/k8': 104, 'vec4/k16': 93, 'vec4/k32': 79, 'vec4/k64': 53, 'vec4/k128': 75, 'vec4/k256': 60 };
    // blocked: its split 2 is 1.5× its best, so 4 and 8 are not measured; vec4's 128 (75) is not 1.5× 53 (79.5).
    Object.assign(ms, { blocked: 200, 'blocked/k2': 300, 'blocked/k4': 1, 'blocked/k8': 1 });
    const measured: string[] = [];
    const measure = splitSearch(async (name) => {
      measured.push(name);
      return ms[name];
    });
    const tuner = new MatmulTuner('A', memoryStore());
    expect(await tuner.choose('k', Object.keys(ms), measure)).toBe('vec4/k64');
    expect(measured).toEqual(['vec4', 'vec4/k2', 'vec4/k4', 'vec4/k8', 'vec4/k16', 'vec4/k32', 'vec4/k64', 'vec4/k128', 'vec4/k256', 'blocked', 'blocked/k2']);
    expect(tuner.results[0].ms).toMatchObject({ 'blocked/k4': Infinity, 'blocked/k8': Infinity });
  });

  it('a cached winner that cannot run this problem is measured again', async () => {
    const tuner = new MatmulTuner('A', memoryStore({ A: { k: 'vec4' } }));
    expect(await tuner.choose('k', ['naive', 'blocked'], async (v) => times[v])).toBe('blocked');
  });

  it('a candidate that fails to build loses, with the reason kept; all failing is an error naming them', async () => {
    const tuner = new MatmulTuner('A', memoryStore());
    const measure = async (v: string) => {
      if (v === 'vec4') throw new Error('Shader compilation failed: matmul_vec4\nline 2');
      return times[v];
    };
    expect(await tuner.choose('k', ['naive', 'vec4', 'blocked'], measure)).toBe('blocked');
    expect(tuner.results[0]).toMatchObject({ winner: 'blocked', ms: { naive: 9, vec4: Infinity, blocked: 3 }, errors: { vec4: 'Shader compilation failed: matmul_vec4' } });
    const broken = async (v: string) => {
      throw new Error(`no ${v}`);
    };
    await expect(tuner.choose('k2', ['naive', 'tiled'], broken)).rejects.toThrow('The autotuner could not run any candidate for k2: naive: no naive; tiled: no tiled');
  });

  it('measures a shape once when several layers ask at the same time', async () => {
    const tuner = new MatmulTuner('A', memoryStore());
    let n = 0;
    const measure = async (v: string) => {
      n++;
      return times[v];
    };
    const all = await Promise.all([1, 2, 3].map(() => tuner.choose('k', ['naive', 'vec4'], measure)));
    expect(all).toEqual(['vec4', 'vec4', 'vec4']);
    expect(n).toBe(2);
  });
});

describe('the cache file', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips, and an unreadable or foreign file means tuning again, never a failed run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-tune-'));
    const path = join(dir, 'sub', 'tune.json');
    const store = fileStore(path);
    expect(store.load()).toEqual({});
    store.save({ A: { k: 'tiled' } });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ A: { k: 'tiled' } });
    expect(fileStore(path).load()).toEqual({ A: { k: 'tiled' } });
    await writeFile(path, '[1, 2');
    expect(fileStore(path).load()).toEqual({});
    expect(() => fileStore(join(dir, 'sub', 'tune.json', 'not-a-dir', 'x.json')).save({ A: {} })).not.toThrow();
  });
});

describe("variant 'auto' on the real adapter", () => {
  const trainers: GpuTrainer[] = [];
  afterAll(() => trainers.forEach((t) => t.destroy()));

  it('tunes every matmul shape of the step and trains an epoch as the CPU reference does', async () => {
    const config: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 32, 20, 10]) }, batch: 50 };
    const train = syntheticSplit(500, 1);
    const val = syntheticSplit(100, 2);
    const tuner = new MatmulTuner('test adapter', memoryStore(), 5);
    const gpu = await GpuTrainer.create(await testGpu(), config, train, val, { variant: 'auto', tuner });
    trainers.push(gpu);
    // Forward × 3, backward input × 2 and backward weight × 2 at batch 50, the evaluation's
    // forward × 2 at 100, and layer 1's byte-input race (10 shapes); when f32 wins that race,
    // layer 1's weight gradient and evaluation forward are tuned too (12).
    const measured = tuner.results.filter((r) => !r.cached);
    expect(measured.length).toBeGreaterThanOrEqual(10);
    for (const r of measured) {
      expect(Object.keys(r.ms).length, r.key).toBeGreaterThanOrEqual(2);
      expect(Object.values(r.ms).some((ms) => Number.isFinite(ms) && ms > 0), r.key).toBe(true);
      expect(r.ms[r.winner], r.key).toBe(Math.min(...Object.values(r.ms)));
    }
    // Split-K plans are among the candidates where the output is small and k long (layer 1's 784).
    expect(measured.some((r) => Object.keys(r.ms).some((name) => /\/k\d+$/.test(name))), 'split-K candidates').toBe(true);
    expect(gpu.description).toContain('autotuned');
    const cpu = new CpuTrainer(config, train, val);
    const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
    expectClose('train loss', [g.trainLoss], [c.trainLoss], { atol: 1e-4, rtol: 2e-3 });
    expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
  });
});

describe('the output layer, fused or not, by measurement', () => {
  const trainers: GpuTrainer[] = [];
  afterAll(() => trainers.forEach((t) => t.destroy()));
  const config: TrainConfig = { ...PRESETS.nielsen, batch: 10 };
  const train = syntheticSplit(100, 3);
  const val = syntheticSplit(20, 4);
  const fusedStep = (t: GpuTrainer) => t.stepProgram.some((d) => d.label === 'output layer');

  it('times output_layer against the three dispatches it replaces, and builds the step the faster way', async () => {
    const tuner = new MatmulTuner('test adapter', memoryStore(), 5);
    const gpu = await GpuTrainer.create(await testGpu(), config, train, val, { tuner });
    trainers.push(gpu);
    const result = tuner.results.find((r) => r.key.startsWith('output layer 10x30x10'));
    expect(result?.cached).toBe(false);
    expect(Object.keys(result!.ms).sort()).toEqual(['fused', 'unfused']);
    expect(result!.ms[result!.winner]).toBe(Math.min(...Object.values(result!.ms)));
    expect(fusedStep(gpu)).toBe(result!.winner === 'fused');
  });

  it('follows the cached answer, either way, without measuring again', async () => {
    const first = new MatmulTuner('test adapter', memoryStore(), 5);
    trainers.push(await GpuTrainer.create(await testGpu(), config, train, val, { tuner: first }));
    const key = first.results.find((r) => r.key.startsWith('output layer'))!.key;
    for (const form of ['fused', 'unfused']) {
      const tuner = new MatmulTuner('test adapter', memoryStore({ 'test adapter': { [key]: form } }), 5);
      const gpu = await GpuTrainer.create(await testGpu(), config, train, val, { tuner });
      trainers.push(gpu);
      expect(tuner.results.find((r) => r.key === key)?.cached).toBe(true);
      expect(fusedStep(gpu)).toBe(form === 'fused');
    }
  });
});
