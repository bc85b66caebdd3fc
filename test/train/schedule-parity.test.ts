/**
 * Per-mini-batch learning rates on the GPU: each step reads its own rate from its step slot,
 * so GPU and CPU trainers stay in step through a schedule that changes every mini-batch
 * (onecycle, cosine with warm-up) with plain SGD (unfused: the plan fuses SGD only where
 * the rate is the epoch's throughout), momentum and AdamW; and a onecycle + AdamW run
 * resumed from a checkpoint ends bit-identical to one never interrupted.
 */
import { describe, expect, it } from 'vitest';
import { denseNetwork, parseNetwork } from '../../src/model/arch.ts';
import { restoreCheckpoint, runDifferences, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';
import { expectClose } from '../helpers/compare.ts';
import { compareArrays } from '../../src/util/compare.ts';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { testGpu } from '../helpers/gpu.ts';

const TRAIN = 400;
const STEPS = 20; // TRAIN / batch
const pair = trainerPairs(TRAIN, 50);
const base: TrainConfig = {
  ...PRESETS.lecun,
  model: { ...PRESETS.lecun.model, ...denseNetwork([784, 48, 10]) },
  batch: 20,
  epochs: 2,
  l2: 0,
  lrDecay: 1,
};

const cases: [string, Partial<TrainConfig>][] = [
  ['onecycle, plain SGD', { lr: 0.5, lrSchedule: 'onecycle' }],
  ['cosine with 7 mini-batches of warm-up, momentum', { lr: 0.05, lrSchedule: 'cosine', warmup: 7, lrMin: 0.001, optimizer: 'momentum', momentum: 0.9 }],
  ['step with warm-up, L2, plain SGD', { lr: 0.3, lrDecay: 0.5, warmup: 30, l2: 1e-3 }],
  ['onecycle, AdamW', { lr: 3e-3, lrSchedule: 'onecycle', optimizer: 'adamw', weightDecay: 0.1 }],
];

describe('GPU vs CPU through a schedule that changes every mini-batch', () => {
  for (const [name, c] of cases) {
    it(`${name}: one step, then the loss of all ${STEPS} of epoch 1`, async () => {
      const config = { ...base, ...c };
      const { gpu, cpu } = await pair(config);
      const { lr } = await compareOneStep(gpu, cpu);
      expect(lr).toBe(learningRate(config, 1, 0, STEPS));
      const cpuLoss = [0];
      for (let s = 1; s < STEPS; s++) cpuLoss.push(cpu.step(s * config.batch, learningRate(config, 1, s, STEPS)).lossSum);
      gpu.submitSteps(1, STEPS);
      const stats = (await gpu.inspect()).stats;
      const gpuLoss = Array.from({ length: STEPS }, (_, s) => stats[2 * s]);
      cpuLoss[0] = gpuLoss[0]; // compared above
      expectClose('loss per step', gpuLoss, cpuLoss, LOSS_TOL);
      // The test can tell: the same mini-batches at the epoch's first rate throughout (what a GPU
      // reading one rate per epoch would do) part from these curves beyond the tolerance.
      const fixed = new CpuTrainer(config, cpu.train, cpu.val);
      fixed.shuffle();
      const fixedLoss = Array.from({ length: STEPS }, (_, s) => fixed.step(s * config.batch, lr).lossSum);
      expect(compareArrays('loss at one rate', fixedLoss, cpuLoss, LOSS_TOL)).not.toBeNull();
    });
  }

  it('a whole epoch reports the rate of its last mini-batch on both trainers', async () => {
    const config = { ...base, lr: 0.5, lrSchedule: 'onecycle' as const };
    const { gpu, cpu } = await pair(config);
    const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
    expect(g.lr).toBe(learningRate(config, 1, STEPS - 1, STEPS));
    expect(c.lr).toBe(g.lr);
    expectClose('epoch 1 train loss', [g.trainLoss], [c.trainLoss], LOSS_TOL);
  });
});

describe('a onecycle AdamW checkpoint', () => {
  const config: TrainConfig = {
    ...PRESETS.lenet5,
    model: { ...PRESETS.lenet5.model, ...parseNetwork('784-24-10') },
    batch: 25,
    epochs: 3,
    lrDecay: 1,
    lr: 3e-3,
    lrSchedule: 'onecycle',
    optimizer: 'adamw',
    weightDecay: 0.05,
  };
  const train = syntheticSplit(300, 1);
  const val = syntheticSplit(50, 2);
  const data = dataIdentity('synthetic', train, val);

  it('records the schedule and resumes mid-cycle bit-identically to an uninterrupted run', async () => {
    const trainers: GpuTrainer[] = [];
    const gpu = async () => {
      const t = await GpuTrainer.create(await testGpu(), config, train, val);
      trainers.push(t);
      return t;
    };
    try {
      const whole = await gpu();
      for (let e = 0; e < 3; e++) await whole.trainEpoch();

      const first = await gpu();
      await first.trainEpoch();
      const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(first, data, [0])));
      expect(saved.config).toMatchObject({ lrSchedule: 'onecycle', optimizer: 'adamw', weightDecay: 0.05, lrDecay: 1 });
      expect(Object.keys(saved.optimizer).sort()).toEqual(['adam_m', 'adam_v']);
      const resumed = await gpu();
      await restoreCheckpoint(resumed, saved, data);
      for (let e = 0; e < 2; e++) await resumed.trainEpoch();
      expect(Buffer.from((await resumed.getParams()).buffer).equals(Buffer.from((await whole.getParams()).buffer)), 'weights differ').toBe(true);
      expect(Array.from((await resumed.getVelocity())!)).toEqual(Array.from((await whole.getVelocity())!));

      // Another schedule is another run: refused, naming the setting.
      const other = await GpuTrainer.create(await testGpu(), { ...config, lrSchedule: 'cosine' }, train, val);
      trainers.push(other);
      await expect(restoreCheckpoint(other, saved, data)).rejects.toThrow(/lrSchedule \(onecycle in the checkpoint, cosine now\)/);
    } finally {
      trainers.forEach((t) => t.destroy());
    }
  });

  it('a configuration written before schedules (no lrSchedule, warmup, lrMin) is the step schedule', () => {
    const old: TrainConfig = { ...PRESETS.lecun };
    expect(runDifferences(old, { ...old, lrSchedule: 'step', warmup: 0 })).toEqual([]);
    expect(runDifferences(old, { ...old, lrSchedule: 'cosine', lrDecay: 1 }).map((d) => d.field)).toEqual(['lrSchedule']);
    const adamw: TrainConfig = { ...PRESETS.lenet5, optimizer: 'adamw' };
    expect(runDifferences(adamw, { ...adamw, weightDecay: 0.01 })).toEqual([]); // torch's default, implied
  });
});
