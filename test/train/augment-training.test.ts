/**
 * Training with augmentation: one GPU step matches the CPU reference's (the augmented batch
 * included; layer 1 reads floats, not bytes); a checkpointed run resumes bit-identically (the
 * draws are keyed by epoch and image, not by anything a restart loses); the configuration
 * survives the checkpoint file; and a short run on MNIST still learns.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { holdOut, subset } from '../../src/data/dataset.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { restoreCheckpoint, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { AFFINE_DEFAULTS, ELASTIC_DEFAULTS, PRESETS, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { mnistDir } from '../data/fixtures.ts';
import { expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { compareOneStep, trainerPairs } from '../helpers/pair.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const AUGMENT = { affine: AFFINE_DEFAULTS, elastic: ELASTIC_DEFAULTS };
const trainers: { destroy(): void }[] = [];
afterAll(() => trainers.forEach((t) => t.destroy()));

describe('training with augmentation', () => {
  const pair = trainerPairs(400, 100);

  it('one step on the GPU matches the CPU reference: the augmented batch, activations, gradients, parameters', async () => {
    // 784-…: without augmentation the plan would give layer 1 a byte batch on software adapters.
    const config: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...parseNetwork('784-32-10') }, batch: 20, augment: AUGMENT };
    const { gpu, cpu } = await pair(config);
    const { g, c } = await compareOneStep(gpu, cpu);
    expectClose('augmented batch', g.x, c.x, { atol: 1e-4, rtol: 1e-4 });
  });

  it('a checkpointed run resumes on the GPU bit-identically, and the CPU resumes it with the same draws', async () => {
    // Adam: optimiser state to carry over besides the weights.
    const config: TrainConfig = {
      ...PRESETS.lenet5, model: { ...PRESETS.lenet5.model, ...parseNetwork('784-24-10') }, batch: 25, epochs: 3, augment: AUGMENT,
    };
    const train = syntheticSplit(300, 1);
    const val = syntheticSplit(50, 2);
    const data = dataIdentity('synthetic', train, val);
    const gpu = async () => {
      const t = await GpuTrainer.create(await testGpu(), config, train, val);
      trainers.push(t);
      return t;
    };
    const whole = await gpu();
    for (let e = 0; e < 3; e++) await whole.trainEpoch();
    const first = await gpu();
    await first.trainEpoch();
    const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(first, data, [0])));
    expect(saved.config.augment).toEqual(AUGMENT);
    const resumed = await gpu();
    await restoreCheckpoint(resumed, saved, data);
    for (let e = 0; e < 2; e++) await resumed.trainEpoch();
    expect(Array.from(await resumed.getParams())).toEqual(Array.from(await whole.getParams()));

    // The CPU reference resuming the same checkpoint draws the same transforms: its epoch 2 stays by the GPU's.
    const again = await gpu();
    await restoreCheckpoint(again, saved, data);
    const cpu = new CpuTrainer(config, train, val);
    await restoreCheckpoint(cpu, saved, data);
    const [gr, cr] = [await again.trainEpoch(), await cpu.trainEpoch()];
    expectClose('epoch 2 step losses', gr.stepLoss, cr.stepLoss, { atol: 1e-3, rtol: 1e-2 });
  });

  it('refuses ranges it cannot use, naming each', async () => {
    const config: TrainConfig = { ...PRESETS.lecun, augment: { affine: { rotate: 200, scale: 1.5, shear: 0, shift: -1 }, elastic: { sigma: 0, alpha: 34 } } };
    expect(() => validateConfig(config, 784, 10, 1000)).toThrow(
      /rotation ±200° must be in \[0, 180\] degrees; scale ±1.5 must be a fraction in \[0, 1\); shift ±-1 must be a number of pixels ≥ 0; elastic σ 0 must be in \(0, 16\] pixels/,
    );
    await expect(decodeCheckpointWith({ affine: { rotate: 'x' } })).rejects.toThrow(/config.augment.affine.rotate is "x"; expected a number ≥ 0/);
  });
});

/** A checkpoint whose config.augment is `augment`, written and read back. */
async function decodeCheckpointWith(augment: unknown) {
  const train = syntheticSplit(30, 1);
  const cpu = new CpuTrainer({ ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...parseNetwork('784-8-10') }, batch: 10 }, train, train);
  await cpu.trainEpoch();
  const c = await takeCheckpoint(cpu, dataIdentity('synthetic', train, train), [0.1]);
  return decodeCheckpoint(encodeCheckpoint({ ...c, config: { ...c.config, augment: augment as never } }));
}

const mnist = mnistDir();
describe.skipIf(!mnist.dir)(`augmented training on MNIST ${mnist.reason}`, () => {
  it('784-100-10 with affine and elastic augmentation, 3,000 images at batch 50, 2 epochs (120 steps) on the GPU → ≥ 70% validation accuracy (measured 77.8%; broken transforms fall far below)', async () => {
    const ds = await loadIdxDataset(mnist.dir!);
    const { train, val } = holdOut(ds.train, 10000);
    const config: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...parseNetwork('784-100-10') }, batch: 50, lr: 0.1, epochs: 2, augment: AUGMENT };
    const t = await GpuTrainer.create(await testGpu(), config, subset(train, 3000), subset(val, 1000));
    trainers.push(t);
    let last = null;
    for (let e = 0; e < 2; e++) last = await t.trainEpoch();
    console.log(`augmented 784-100-10, 120 steps: validation ${(100 * last!.val.accuracy).toFixed(2)}%`);
    expect(last!.val.accuracy).toBeGreaterThanOrEqual(0.7);
  }, 120_000); // seconds on an idle machine; the margin is for a loaded one
});
