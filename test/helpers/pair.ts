/**
 * GPU and CPU trainers built from one configuration on the same synthetic splits, for the
 * parity tests (the GPU trainers are destroyed after the file's tests), and the comparison
 * of one training step on both.
 */
import { afterAll, beforeAll } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import type { Split } from '../../src/data/dataset.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { GpuTrainer, type GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { layerViews } from '../../src/model/param-block.ts';
import type { TrainConfig } from '../../src/train/config.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { expectClose } from './compare.ts';
import { testGpu } from './gpu.ts';
import { syntheticSplit } from './splits.ts';

/** The synthetic images' shape: 1×28×28 in 10 classes unless told. */
interface SplitShape { channels: number; rows: number; cols: number; classes: number }

/**
 * Registers the splits (`trainCount` and `valCount` synthetic images) and returns the pair
 * maker; the GPU trainers run on `gpu()` (the test adapter unless given).
 */
export function trainerPairs(
  trainCount: number, valCount: number, gpu: () => Promise<GpuContext> = testGpu,
  shape: SplitShape = { channels: 1, rows: 28, cols: 28, classes: 10 },
) {
  let train: Split;
  let val: Split;
  beforeAll(() => {
    train = syntheticSplit(trainCount, 1, shape.rows, shape.cols, shape.classes, shape.channels);
    val = syntheticSplit(valCount, 2, shape.rows, shape.cols, shape.classes, shape.channels);
  });
  const trainers: GpuTrainer[] = [];
  afterAll(() => trainers.forEach((t) => t.destroy()));
  return async function pair(config: TrainConfig, options: GpuTrainerOptions = {}) {
    const g = await GpuTrainer.create(await gpu(), config, train, val, options);
    trainers.push(g);
    return { gpu: g, cpu: new CpuTrainer(config, train, val) };
  };
}

/** One step's tolerance in the parity tests: f32 sums over ≤ 784 terms in another order on each side. */
export const STEP_TOL = { atol: 2e-5, rtol: 2e-4 };
/** Twenty steps of SGD let those differences compound a little. */
export const LOSS_TOL = { atol: 1e-4, rtol: 2e-3 };

/**
 * Runs mini-batch 0 on both trainers of a pair and compares what each computed: every
 * feature map and activation, the batch loss, every dZ, the gradients by layer (where the
 * GPU stored them) and the parameters after the update. Returns both sides' views for the
 * checks a file adds (the input batch, the correct count, step 0's rate).
 */
export async function compareOneStep(gpu: GpuTrainer, cpu: CpuTrainer) {
  gpu.beginEpoch();
  const lr = learningRate(cpu.config, cpu.epoch + 1, 0, Math.floor(cpu.train.count / cpu.config.batch));
  gpu.submitSteps(0, 1);
  cpu.shuffle();
  const cpuStats = cpu.step(0, lr);
  const g = await gpu.inspect();
  const c = cpu.inspect();
  g.features.forEach((f, i) => expectClose(`feature map ${i + 1}`, f, c.features[i], STEP_TOL));
  g.acts.forEach((a, l) => expectClose(`a${l + 1}${l === g.acts.length - 1 ? ' (output)' : ''}`, a, c.acts[l], STEP_TOL));
  expectClose('batch loss', [g.stats[0]], [cpuStats.lossSum], STEP_TOL);
  g.dZ.forEach((d, l) => expectClose(`dZ${l + 1}`, d, c.dZ[l], STEP_TOL));
  gpu.layout.layers.forEach((block, l) => {
    if (!g.grads) return;
    const [gv, cv] = [layerViews(g.grads, block), layerViews(c.grads, block)];
    expectClose(`${block.kind} ${l + 1} dW`, gv.W, cv.W, STEP_TOL);
    expectClose(`${block.kind} ${l + 1} dB`, gv.b, cv.b, STEP_TOL);
  });
  expectClose('params after update', await gpu.getParams(), await cpu.getParams(), STEP_TOL);
  return { lr, g, c, cpuStats };
}
