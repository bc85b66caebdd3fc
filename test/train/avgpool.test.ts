/**
 * Average pooling and global average pooling in whole networks, GPU vs CPU: one step
 * (every layer's output, gradient and updated parameter), with a tanh convolution before a
 * pooling so the fused act′ is exercised; then short runs on real MNIST (a few hundred
 * images) whose loss falls and whose accuracy is well above chance.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { holdOut, subset } from '../../src/data/dataset.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { mnistDir } from '../data/fixtures.ts';
import { compareOneStep, trainerPairs } from '../helpers/pair.ts';
import { testGpu } from '../helpers/gpu.ts';

const config = (arch: string, rest: Partial<TrainConfig> = {}): TrainConfig => ({
  ...PRESETS.lenet5,
  model: { ...PRESETS.lenet5.model, ...parseNetwork(arch) },
  batch: 20,
  ...rest,
});

// avgpool2, a padded overlapping avgpool3s2p1 after a tanh convolution, gap, channel
// counts that are not multiples of four.
const tiny = config('1x28x28-conv5k3p1-avgpool2-conv6k3p1:tanh-avgpool3s2p1-gap-10', { optimizer: 'sgd', lr: 0.05, l2: 1e-3 });

const pair = trainerPairs(100, 20);

describe('avgpool and gap, one step GPU vs CPU', () => {
  it('SGD, gradients stored', async () => {
    const { gpu, cpu } = await pair(tiny, { fuseUpdate: false });
    await compareOneStep(gpu, cpu);
  });
  it('Adam', async () => {
    const { gpu, cpu } = await pair({ ...tiny, optimizer: 'adam', lr: 1e-3 });
    await compareOneStep(gpu, cpu);
  });
});

const mnist = mnistDir();
const trainers: GpuTrainer[] = [];
afterAll(() => trainers.forEach((t) => t.destroy()));

describe.skipIf(!mnist.dir)(`avgpool and gap learn MNIST ${mnist.reason}`, () => {
  async function run(c: TrainConfig, epochs: number) {
    const ds = await loadIdxDataset(mnist.dir!);
    const { train, val } = holdOut(ds.train, 10000);
    const t = await GpuTrainer.create(await testGpu(), c, subset(train, 600), subset(val, 500));
    trainers.push(t);
    const reports = [];
    for (let e = 0; e < epochs; e++) reports.push(await t.trainEpoch());
    return reports;
  }

  it('LeNet-5 with average pooling (as LeCun 1998 pooled): 600 images, 2 epochs → ≥ 80% (measured 87.4%)', async () => {
    const r = await run(config('1x28x28-conv6k5p2-avgpool2-conv16k5-avgpool2-120-10', { lr: 1e-2 }), 2);
    expect(r[1].trainLoss).toBeLessThan(r[0].trainLoss / 2); // measured 1.20 → 0.42
    expect(r[1].val.accuracy).toBeGreaterThanOrEqual(0.8);
  });

  // Sixteen channel means are all the dense layer sees: such a network learns slowly from
  // 600 images (about 26% after 3 epochs, still rising), but far above chance's 10%.
  it('a global-average-pooling network: 600 images, 3 epochs → loss falls, ≥ 20% (measured 26.4%)', async () => {
    const r = await run(config('1x28x28-conv8k3p1-avgpool2-conv16k3p1-avgpool3s2p1-gap-10', { lr: 1e-2 }), 3);
    expect(r[2].trainLoss).toBeLessThan(r[0].trainLoss - 0.1); // measured 2.30 → 2.10
    expect(r[2].val.accuracy).toBeGreaterThanOrEqual(0.2);
  });
});
