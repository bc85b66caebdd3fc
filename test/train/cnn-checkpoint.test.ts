/**
 * A convolutional network trained with Adam resumes from a checkpoint bit-identically: the
 * parameters, Adam's m and v, the shuffle state and the step count t all carry over.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { restoreCheckpoint, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { testGpu } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const config: TrainConfig = {
  ...PRESETS.lenet5,
  model: { ...PRESETS.lenet5.model, ...parseNetwork('1x28x28-conv4k5p2-pool2-conv6k3s2-16-10') },
  batch: 25,
  epochs: 3,
};
const train = syntheticSplit(500, 1);
const val = syntheticSplit(50, 2);
const data = dataIdentity('synthetic', train, val);
const trainers: GpuTrainer[] = [];
afterAll(() => trainers.forEach((t) => t.destroy()));

async function gpu(): Promise<GpuTrainer> {
  const t = await GpuTrainer.create(await testGpu(), config, train, val);
  trainers.push(t);
  return t;
}

describe('a CNN checkpoint (Adam)', () => {
  it('resumes on the GPU with weights and optimiser state bit-identical to an uninterrupted run', async () => {
    const whole = await gpu();
    for (let e = 0; e < 3; e++) await whole.trainEpoch();

    const first = await gpu();
    await first.trainEpoch();
    const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(first, data, [0])));
    expect(Object.keys(saved.optimizer).sort()).toEqual(['adam_m', 'adam_v']);
    expect(saved.optimizer.adam_m.length).toBe(first.layout.total);
    const resumed = await gpu();
    await restoreCheckpoint(resumed, saved, data);
    for (let e = 0; e < 2; e++) await resumed.trainEpoch();

    expect(Array.from(await resumed.getParams())).toEqual(Array.from(await whole.getParams()));
    expect(Array.from((await resumed.getVelocity())!)).toEqual(Array.from((await whole.getVelocity())!));
  });

  it('resumes on the CPU reference: the state carries over between devices', async () => {
    const first = await gpu();
    await first.trainEpoch();
    const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(first, data, [0])));
    const cpu = new CpuTrainer(config, train, val);
    await restoreCheckpoint(cpu, saved, data);
    expect(Array.from(await cpu.getParams())).toEqual(Array.from(saved.params));
    const report = await cpu.trainEpoch();
    expect(report.epoch).toBe(2);
    const again = await gpu();
    await restoreCheckpoint(again, saved, data);
    const g = await again.trainEpoch();
    // Same mini-batches from the same state: the epoch's losses agree to float rounding.
    expect(Math.abs(g.trainLoss - report.trainLoss)).toBeLessThan(1e-3 * report.trainLoss + 1e-5);
  });
});
