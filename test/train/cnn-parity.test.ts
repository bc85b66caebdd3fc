/**
 * Convolutional networks, GPU vs CPU: one step (every feature map, activation, gradient
 * and updated parameter), then a short run of 200 mini-batches (on 14×14 images, a quarter of
 * the work; with dropout 100 on 28×28) whose losses and validation predictions agree; with SGD
 * (fused into the weight gradients), momentum and Adam.
 */
import { describe, expect, it } from 'vitest';
import type { GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';


// Two convolutions (the second with stride 2 and padding), two poolings (one overlapping,
// padded), channel counts that are not multiples of four.
const tiny: TrainConfig = {
  ...PRESETS.lecun,
  model: { ...PRESETS.lecun.model, ...parseNetwork('1x28x28-conv5k5p2-pool2-conv6k3s2p1-pool3s2p1-20-10') },
  batch: 20,
  lr: 0.05,
  l2: 1e-3,
};
const adam: TrainConfig = { ...tiny, optimizer: 'adam', lr: 1e-3 };
const momentum: TrainConfig = { ...tiny, momentum: 0.9, optimizer: 'momentum' };

const pair = trainerPairs(2000, 100); // 100 mini-batches of 20 (one step, and the dropout run)

// The same layers on 14×14 images (14 → 14 → 7 → 4 → 2 across the four maps) for the runs of
// 200 mini-batches of 20: the CPU reference's convolutions take a quarter of the time.
const small = (c: TrainConfig, arch: string): TrainConfig => ({ ...c, model: { ...c.model, ...parseNetwork(arch) } });
const SMALL = '1x14x14-conv5k5p2-pool2-conv6k3s2p1-pool3s2p1-20-10';
const runPair = trainerPairs(4000, 100, undefined, { channels: 1, rows: 14, cols: 14, classes: 10 });

async function compareStep(config: TrainConfig, options: GpuTrainerOptions = {}) {
  const { gpu, cpu } = await pair(config, options);
  expectClose('initial params', await gpu.getParams(), await cpu.getParams(), { atol: 0, rtol: 0 });
  const { lr, g, c } = await compareOneStep(gpu, cpu);
  expectClose('x', g.x, c.x, { atol: 1e-7, rtol: 0 });
  expect(g.features.length).toBe(4);
  return { gpu, cpu, lr };
}

describe('a convolutional network, one step GPU vs CPU', () => {
  it('SGD + L2 fused into the weight gradients', async () => {
    await compareStep(tiny);
  });
  it('SGD, gradients stored (every conv and dense gradient compared)', async () => {
    await compareStep(tiny, { fuseUpdate: false });
  });
  it('momentum', async () => {
    await compareStep(momentum);
  });
  it('Adam', async () => {
    const { gpu, cpu } = await compareStep(adam);
    expectClose('Adam m and v', (await gpu.getVelocity())!, (await cpu.getVelocity())!, { atol: 1e-7, rtol: 1e-3 });
  });
});

describe('a convolutional network, a short run GPU vs CPU', () => {
  for (const [name, config] of [['SGD', small(tiny, SMALL)], ['Adam', small(adam, SMALL)]] as const) {
    it(`${name}: 200 mini-batches, loss of every step and validation predictions agree`, async () => {
      const { gpu, cpu } = await runPair(config);
      const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
      expect(g.steps).toBe(200);
      expectClose('loss per step', g.stepLoss, c.stepLoss, { atol: 2e-3, rtol: 2e-2 });
      expectClose('train loss', [g.trainLoss], [c.trainLoss], LOSS_TOL);
      expectClose('val loss', [g.val.loss], [c.val.loss], { atol: 1e-3, rtol: 1e-2 });
      expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
      expect(g.val.accuracy, 'the synthetic classes are learnt').toBeGreaterThan(0.9);
    });
  }
});

describe('dropout, GPU vs CPU', () => {
  const dropped: TrainConfig = { ...adam, model: { ...adam.model, ...parseNetwork('1x28x28-conv5k5p2-pool2-conv6k3s2p1-pool3s2p1-40-20-10') }, dropout: 0.4 };

  it('one step: the same units dropped in the forward pass and their gradients in the backward pass', async () => {
    const { gpu, cpu } = await compareStep(dropped, { fuseUpdate: false });
    const a = (await gpu.inspect()).acts;
    // About 40% of each hidden layer's units are exactly 0, on both devices alike (checked above).
    for (const l of [0, 1]) {
      const zeros = a[l].filter((v) => v === 0).length / a[l].length;
      expect(zeros, `hidden layer ${l + 1}`).toBeGreaterThan(0.3);
    }
    expect(cpu.inspect().acts[2].some((v) => v === 0)).toBe(false); // not the output layer
  });

  // On 28×28 images: on 14×14 the losses agreed over 200 steps but the validation answers
  // parted by 4 of 100 (dropout's 1/(1 − p) amplifies rounding; near-ties flip).
  it('100 mini-batches: losses agree and validation (without dropout) is learnt', async () => {
    const { gpu, cpu } = await pair(dropped);
    const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
    // The masks are identical; float rounding still compounds, a little faster than without
    // dropout (the 1/(1 − p) scaling amplifies it): 2% over the first 100 steps (5% over 200).
    expect(g.steps).toBe(100);
    expectClose('loss per step', g.stepLoss, c.stepLoss, { atol: 2e-3, rtol: 2e-2 });
    expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
    expect(g.val.accuracy).toBeGreaterThan(0.6); // measured 0.75 after 100 steps (chance is 0.1)
  });
});
