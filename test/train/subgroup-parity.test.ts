/**
 * Whole-step parity with the subgroup matmul variant: from one seed, the GPU scheduler with
 * every matmul on matmul_subgroup and the CPU reference compute the same activations, loss,
 * gradients and updated parameters, then 20 steps of loss agree. Runs on a device with WGSL
 * subgroups (the test adapter, else SwiftShader; see subgroupGpu), skipped with the reason
 * where there is none.
 */
import { describe, expect, it } from 'vitest';
import type { GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { subgroupGpu } from '../helpers/gpu.ts';
// The tolerances of parity.test.ts (test/helpers/pair.ts).
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';
import { denseNetwork } from '../../src/model/arch.ts';


// lecun's shape made small (relu, softmax cross-entropy, L2, batch 100) on 12×12 images:
// 144-30-20-10, so K runs past the 64 invocations that split it (ragged) in every role as
// 784 did, at a fifth of the work (SwiftShader runs this kernel 50–270× slower than vec4).
const small: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([144, 30, 20, 10]) }, lr: 0.05 };
const options: GpuTrainerOptions = { variant: 'subgroup' };

const sg = await subgroupGpu();
const pair = trainerPairs(2000, 50, async () => sg.ctx!, { channels: 1, rows: 12, cols: 12, classes: 10 });

async function compareStep(config: TrainConfig) {
  const { gpu, cpu } = await pair(config, options);
  expect(gpu.description).toContain('matmul subgroup');
  const { lr, cpuStats, g } = await compareOneStep(gpu, cpu);
  expect(g.stats[1]).toBe(cpuStats.correct);
  return { gpu, cpu, lr };
}

describe.skipIf(!sg.ctx)(`one training step with matmul subgroup, GPU vs CPU ${sg.reason}`, () => {
  it('momentum (gradients stored: MODE 2, then the update)', async () => {
    await compareStep({ ...small, momentum: 0.9 });
  });

  it('plain SGD fused into the weight gradient (MODE 3), then 20 steps of loss', async () => {
    const config = { ...small, momentum: 0 };
    const { gpu, cpu, lr } = await compareStep(config);
    const cpuLoss = [0];
    for (let s = 1; s < 20; s++) cpuLoss.push(cpu.step(s * config.batch, lr).lossSum);
    gpu.submitSteps(1, 20);
    const stats = (await gpu.inspect()).stats;
    const gpuLoss = Array.from({ length: 20 }, (_, s) => stats[2 * s]);
    cpuLoss[0] = gpuLoss[0]; // step 0 was compared above
    expectClose('loss per step', gpuLoss, cpuLoss, LOSS_TOL);
    expect(gpuLoss[19], 'the loss goes down over 20 steps').toBeLessThan(gpuLoss[0]);
  });
});
