/**
 * Whole-step parity: from one seed, the GPU scheduler and the CPU reference compute the
 * same mini-batch, activations, loss, every gradient by name and the updated parameters;
 * then 20 steps of loss agree.
 */
import { describe, expect, it } from 'vitest';
import { MATMUL_VARIANTS } from '../../src/gpu/matmul-plans.ts';
import type { GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
// STEP_TOL (one step: f32 sums over ≤ 784 terms in another order on each side) and LOSS_TOL
// (twenty steps of SGD compounding them a little) live with the step comparison.
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';
import { denseNetwork } from '../../src/model/arch.ts';


const lecun: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 30, 20, 10]) }, momentum: 0.9, lr: 0.05 };
const nielsen: TrainConfig = { ...PRESETS.nielsen, batch: 7 };
// Layer 1 with 32 outputs: the vec4 variant reads the input batch as bytes (matmul_vec4_u8).
const bytes: TrainConfig = { ...lecun, model: { ...lecun.model, ...denseNetwork([784, 32, 20, 10]) } };

const pair = trainerPairs(2000, 50); // 20 mini-batches of 100

async function compareStep(config: TrainConfig, options: GpuTrainerOptions = {}) {
  const { gpu, cpu } = await pair(config, options);
  expectClose('initial params', await gpu.getParams(), await cpu.getParams(), { atol: 0, rtol: 0 });
  const { lr, g, c, cpuStats } = await compareOneStep(gpu, cpu);
  expectClose('x', g.x, c.x, { atol: 1e-7, rtol: 0 });
  expect(g.stats[1]).toBe(cpuStats.correct);
  // A fused update applies the gradients without storing them: params after update check them.
  const fused = (options.fuseUpdate ?? true) && config.momentum === 0;
  expect(g.grads === undefined, 'gradients are stored unless the update is fused').toBe(fused);
  return { gpu, cpu, lr };
}

describe('one training step, GPU vs CPU', () => {
  it('relu + softmax cross-entropy + L2 + momentum', async () => {
    await compareStep(lecun);
  });
  it('sigmoid + quadratic cost, batch 7, N(0,1) init (update fused into the weight gradient)', async () => {
    await compareStep(nielsen);
  });
  it('sigmoid + quadratic cost, batch 7, gradients stored, separate update', async () => {
    await compareStep(nielsen, { fuseUpdate: false });
  });
  for (const variant of MATMUL_VARIANTS) {
    it(`matmul ${variant}, momentum`, async () => {
      await compareStep(lecun, { variant });
    });
    it(`matmul ${variant}, plain SGD fused into the weight gradient`, async () => {
      await compareStep({ ...lecun, momentum: 0 }, { variant });
    });
  }
  it('vec4 with the input batch as bytes, momentum', async () => {
    await compareStep(bytes, { variant: 'vec4' });
  });
  it('vec4 with the input batch as bytes, fused SGD', async () => {
    await compareStep({ ...bytes, momentum: 0 }, { variant: 'vec4' });
  });
  it('vec4 with the input batch as bytes, fused SGD, batch 10 (a partial last step of k)', async () => {
    await compareStep({ ...bytes, momentum: 0, batch: 10 }, { variant: 'vec4' });
  });
});

describe('twenty steps, GPU vs CPU', () => {
  for (const [name, config] of [['lecun-like', lecun], ['nielsen-like', nielsen]] as const) {
    it(`${name}: loss of every step agrees`, async () => {
      const { gpu, cpu, lr } = await compareStep(config);
      const cpuLoss = [0];
      const B = config.batch;
      for (let s = 1; s < 20; s++) cpuLoss.push(cpu.step(s * B, lr).lossSum);
      gpu.submitSteps(1, 20);
      const stats = (await gpu.inspect()).stats;
      const gpuLoss = Array.from({ length: 20 }, (_, s) => stats[2 * s]);
      cpuLoss[0] = gpuLoss[0]; // step 0 was compared above
      expectClose('loss per step', gpuLoss, cpuLoss, LOSS_TOL);
      expect(gpuLoss[19], 'the loss goes down over 20 steps').toBeLessThan(gpuLoss[0]);
    });
  }
});

describe('epochs, GPU vs CPU', () => {
  it('two epochs give the same validation predictions and close weights', async () => {
    const config = { ...lecun, momentum: 0 };
    const { gpu, cpu } = await pair(config);
    for (let e = 0; e < 2; e++) {
      const [g, c] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
      expectClose(`epoch ${e + 1} train loss`, [g.trainLoss], [c.trainLoss], LOSS_TOL);
      expectClose(`epoch ${e + 1} val loss`, [g.val.loss], [c.val.loss], LOSS_TOL);
      expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
    }
    expectClose('params after 2 epochs', await gpu.getParams(), await cpu.getParams(), { atol: 1e-4, rtol: 1e-2 });
  });
});
