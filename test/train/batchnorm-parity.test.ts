/**
 * Batch normalization, GPU vs CPU: one step (every layer's output, the gradients of γ and β
 * with the others, the parameters after the update and the running statistics) with SGD
 * fused and unfused, momentum and Adam; batch normalization as the first layer (no input
 * gradient) and after a dense layer; then a short run whose losses and validation
 * predictions (evaluated with the running statistics) agree.
 */
import { describe, expect, it } from 'vitest';
import type { GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { compareOneStep, LOSS_TOL, STEP_TOL, trainerPairs } from '../helpers/pair.ts';

// conv → BN → ReLU (the usual order), conv → ReLU → BN (the default), BN after a dense layer.
const cnn: TrainConfig = {
  ...PRESETS.lecun,
  model: { ...PRESETS.lecun.model, ...parseNetwork('1x28x28-conv5k5p2:identity-bn:relu-pool2-conv6k3s2p1-bn-pool2-20-bn:relu-10') },
  batch: 20,
  lr: 0.05,
  l2: 1e-3,
};
const dense: TrainConfig = { ...cnn, model: { ...cnn.model, ...parseNetwork('784-bn-30:identity-bn:tanh-10') } };
// Adam's first step is ±lr wherever the gradient is not 0, and a bias just before batch
// normalization has gradient 0 but for rounding (the batch mean takes it away): here every
// BN follows a ReLU instead.
const adam: TrainConfig = { ...cnn, model: { ...cnn.model, ...parseNetwork('1x28x28-conv5k5p2-bn-pool2-20-bn-10') }, optimizer: 'adam', lr: 1e-3 };
// conv → BN → ReLU throughout for the run: ReLU → BN normalises channels that are often
// almost constant (1/√(var + ε) up to 316), and at lr 0.05 float rounding then grows
// tenfold every few steps on either device alike (measured); this run stays within 1e-6.
// On 14×14 images (14 → 7 → 4 → 2 across the maps): the CPU reference's convolutions take a
// quarter of the time of 28×28's, through the same layers.
const run: TrainConfig = {
  ...cnn,
  model: { ...cnn.model, ...parseNetwork('1x14x14-conv5k5p2:identity-bn:relu-pool2-conv6k3s2p1:identity-bn:relu-pool2-20:identity-bn:relu-10') },
  lr: 0.01,
};

const pair = trainerPairs(2000, 100); // one step each
const runPair = trainerPairs(2000, 100, undefined, { channels: 1, rows: 14, cols: 14, classes: 10 }); // 100 mini-batches of 20

async function compareStep(config: TrainConfig, options: GpuTrainerOptions = {}) {
  const { gpu, cpu } = await pair(config, options);
  expectClose('initial params', await gpu.getParams(), await cpu.getParams(), { atol: 0, rtol: 0 });
  expectClose('initial state', await gpu.getLayerState(), await cpu.getLayerState(), { atol: 0, rtol: 0 });
  await compareOneStep(gpu, cpu);
  expectClose('running statistics after the step', await gpu.getLayerState(), await cpu.getLayerState(), STEP_TOL);
  return { gpu, cpu };
}

describe('batch normalization, one step GPU vs CPU', () => {
  it('SGD + L2 fused into the backward kernels', async () => {
    await compareStep(cnn);
  });
  it('SGD, gradients stored (dγ and dβ compared)', async () => {
    await compareStep(cnn, { fuseUpdate: false });
  });
  it('momentum', async () => {
    await compareStep({ ...cnn, momentum: 0.9, optimizer: 'momentum' });
  });
  it('Adam', async () => {
    await compareStep(adam);
  });
  it('first layer and after a dense layer, gradients stored', async () => {
    await compareStep(dense, { fuseUpdate: false });
  });
});

describe('batch normalization, a short run GPU vs CPU', () => {
  it('SGD: 100 mini-batches, losses, running statistics and validation predictions agree; the classes are learnt', async () => {
    const { gpu, cpu } = await runPair(run);
    const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
    expect(g.steps).toBe(100);
    expectClose('loss per step', g.stepLoss, c.stepLoss, { atol: 2e-3, rtol: 2e-2 });
    expectClose('train loss', [g.trainLoss], [c.trainLoss], LOSS_TOL);
    expectClose('running statistics', await gpu.getLayerState(), await cpu.getLayerState(), { atol: 1e-3, rtol: 1e-2 });
    expectClose('val loss', [g.val.loss], [c.val.loss], { atol: 1e-3, rtol: 1e-2 });
    expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
    expect(g.val.accuracy, 'the synthetic classes are learnt').toBeGreaterThan(0.8); // measured 0.90 on 14×14 (chance 0.1)
  });
});
