/**
 * Convergence on real MNIST (../shared/data/mnist, or WGTRAIN_MNIST_DIR): short runs of
 * both presets on a few thousand images must reach a stated validation accuracy. Skipped,
 * with the reason, where the data is absent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { holdOut, subset } from '../../src/data/dataset.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { PRESETS } from '../../src/train/config.ts';
import { mnistDir } from '../data/fixtures.ts';
import { testGpu } from '../helpers/gpu.ts';

const mnist = mnistDir();
const trainers: { destroy(): void }[] = [];
afterAll(() => trainers.forEach((t) => t.destroy()));

async function splits(trainCount: number, valCount: number) {
  const ds = await loadIdxDataset(mnist.dir!);
  const { train, val } = holdOut(ds.train, 10000);
  return { train: subset(train, trainCount), val: subset(val, valCount) };
}

describe.skipIf(!mnist.dir)(`convergence on MNIST ${mnist.reason}`, () => {
  // Both output-layer paths: output_layer (the default on GPUs) and the unfused dispatches (on software adapters).
  for (const fuseOutput of [false, true]) {
    const how = fuseOutput ? 'output layer fused' : 'output layer unfused';
    it(`lecun preset on the GPU (${how}): 6,000 images, 4 epochs → ≥ 92% validation accuracy (measured 93.6% unfused, 93.5% fused)`, async () => {
      const { train, val } = await splits(6000, 2000);
      const t = await GpuTrainer.create(await testGpu(), { ...PRESETS.lecun, epochs: 4 }, train, val, { fuseOutput });
      trainers.push(t);
      let last = null;
      for (let e = 0; e < 4; e++) last = await t.trainEpoch();
      expect(last!.val.accuracy).toBeGreaterThanOrEqual(0.92);
      expect(last!.trainLoss).toBeLessThan(0.25); // measured 0.16 both ways
    });

    it(`nielsen preset on the GPU (${how}): 6,000 images, 6 epochs → ≥ 77% validation accuracy (measured 79.9% unfused, 79.3% fused)`, async () => {
      const { train, val } = await splits(6000, 2000);
      const t = await GpuTrainer.create(await testGpu(), { ...PRESETS.nielsen, epochs: 6 }, train, val, { fuseOutput });
      trainers.push(t);
      let last = null;
      for (let e = 0; e < 6; e++) last = await t.trainEpoch();
      expect(last!.val.accuracy).toBeGreaterThanOrEqual(0.77);
    });
  }

  it('lecun preset on the CPU reference: 2,000 images, 2 epochs → ≥ 78% (measured 81.8%)', async () => {
    const { train, val } = await splits(2000, 1000);
    const t = new CpuTrainer({ ...PRESETS.lecun, epochs: 2 }, train, val);
    let last = null;
    for (let e = 0; e < 2; e++) last = await t.trainEpoch();
    expect(last!.val.accuracy).toBeGreaterThanOrEqual(0.78);
  });
});
