/**
 * The fused output layer (output_layer.wgsl) in whole training steps, GPU vs the CPU
 * reference (which runs the unfused steps: forward, loss, backward input): the presets'
 * shapes, every hidden activation before the output layer, dropout on the last hidden layer,
 * Adam, networks whose output layer reads a feature map or the image batch; and the
 * dispatch lists it shortens.
 */
import { describe, expect, it } from 'vitest';
import { MatmulTuner, memoryStore } from '../../src/gpu/autotune.ts';
import type { GpuTrainer, GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { ACTIVATIONS } from '../../src/model/spec.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
// As test/train/parity.test.ts: the tolerances of test/helpers/pair.ts.
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';
import { denseNetwork } from '../../src/model/arch.ts';


const pair = trainerPairs(2000, 50);
// 14×14 images for the run of 50 mini-batches: a quarter of the CPU reference's work of 28×28.
const shortPair = trainerPairs(1000, 50, undefined, { channels: 1, rows: 14, cols: 14, classes: 10 });

const labels = (gpu: GpuTrainer) => gpu.stepProgram.map((d) => d.label.replace(/ \[[^\]]*\]$/, ''));
const usesOutputLayer = (gpu: GpuTrainer) => labels(gpu).includes('output layer');

/** Whether the output layer is fused by default is measured per adapter: these tests ask for it. */
const FUSED: GpuTrainerOptions = { fuseOutput: true };

async function compareStep(config: TrainConfig, options: GpuTrainerOptions = {}) {
  const { gpu, cpu } = await pair(config, { ...FUSED, ...options });
  const { lr, cpuStats, g } = await compareOneStep(gpu, cpu);
  expect(g.stats[1], 'correct in the batch').toBe(cpuStats.correct);
  return { gpu, cpu, lr };
}

describe('the step programs', () => {
  it('lecun with plain SGD: 8 dispatches, the output layer one of them (10 unfused)', async () => {
    const { gpu } = await pair(PRESETS.lecun, FUSED);
    expect(labels(gpu)).toEqual([
      'train gather', 'train forward 1', 'train forward 2', 'output layer',
      'backward weight + SGD 3', 'backward input 2', 'backward weight + SGD 2', 'backward weight + SGD 1',
    ]);
    const { gpu: unfused } = await pair(PRESETS.lecun, { fuseOutput: false });
    expect(unfused.stepProgram.length).toBe(10);
  });
  it('the default: fused where the tuner measured output_layer faster than the three dispatches', async () => {
    const tuner = new MatmulTuner('test adapter', memoryStore(), 5);
    const { gpu } = await pair(PRESETS.lecun, { tuner });
    const measured = tuner.results.find((r) => r.key.startsWith('output layer 100x100x10'));
    expect(Object.keys(measured?.ms ?? {}).sort()).toEqual(['fused', 'unfused']);
    expect(usesOutputLayer(gpu)).toBe(measured!.winner === 'fused');
  });
  it('a byte input batch read by the output layer itself keeps the unfused path', async () => {
    // 784-32: vec4 reads layer 1's input as bytes; output_layer reads floats.
    const { gpu } = await compareStep({ ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 32]) } }, { variant: 'vec4' });
    expect(usesOutputLayer(gpu)).toBe(false);
  });
});

describe('one step GPU vs CPU with the fused output layer', () => {
  it('lecun (784-300-100-10, batch 100, fused SGD)', async () => {
    const { gpu } = await compareStep(PRESETS.lecun);
    expect(usesOutputLayer(gpu)).toBe(true);
  });
  it('lecun, gradients stored (every dW, dB compared)', async () => {
    await compareStep(PRESETS.lecun, { fuseUpdate: false });
  });
  it('lecun with momentum', async () => {
    await compareStep({ ...PRESETS.lecun, momentum: 0.9 });
  });
  it('nielsen (784-30-10, sigmoid output, quadratic cost, batch 10)', async () => {
    const { gpu } = await compareStep(PRESETS.nielsen);
    expect(usesOutputLayer(gpu)).toBe(true);
  });
  it('nielsen, gradients stored', async () => {
    await compareStep(PRESETS.nielsen, { fuseUpdate: false });
  });
  for (const activation of ACTIVATIONS) {
    it(`hidden ${activation} before the output layer, batch 7`, async () => {
      await compareStep({ ...PRESETS.lecun, batch: 7, lr: 0.05, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 20, 17]), activation } }, { fuseUpdate: false });
    });
  }
  it('784-10: the output layer reads the image batch (no dH)', async () => {
    const { gpu } = await compareStep({ ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 10]) } }, { fuseUpdate: false });
    expect(usesOutputLayer(gpu)).toBe(true);
    expect(gpu.stepProgram.length).toBe(4); // gather, output layer, weight gradient, update
  });
});

const cnn = (arch: string, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...parseNetwork(arch) }, batch: 20, lr: 0.05, ...extra,
});

describe('convolutional networks GPU vs CPU with the fused output layer', () => {
  it('dropout on the last hidden layer and Adam: the mask applies to dH as before, inside output_layer', async () => {
    const config = cnn('1x28x28-conv5k5p2-pool2-conv6k3s2p1-pool3s2p1-40-20-10', { optimizer: 'adam', lr: 1e-3, dropout: 0.4 });
    const { gpu, cpu } = await compareStep(config);
    expect(usesOutputLayer(gpu)).toBe(true);
    // Layer 2's mask is drawn by output_layer; layer 1's by its own dispatch after backward input 2.
    expect(labels(gpu).filter((l) => l.includes('backward dropout'))).toEqual(['backward dropout 1']);
    const dH = (await gpu.inspect()).dZ[1];
    expect(dH.filter((v) => v === 0).length / dH.length, 'dropped units have no gradient').toBeGreaterThan(0.3);
    expectClose('Adam m and v', (await gpu.getVelocity())!, (await cpu.getVelocity())!, { atol: 1e-7, rtol: 1e-3 });
  });
  it('no hidden dense layer: dH is the last pooling output’s gradient', async () => {
    const { gpu } = await compareStep(cnn('1x28x28-conv5k5p2-pool2-10'), { fuseUpdate: false });
    expect(usesOutputLayer(gpu)).toBe(true);
  });
  it('no hidden dense layer: dH goes through the last convolution’s relu, fused SGD', async () => {
    await compareStep(cnn('1x28x28-conv4k5s3-10'));
  });
  it('lenet5-like with dropout on 14×14 images, 50 mini-batches of Adam: fused and unfused GPU and the CPU agree', async () => {
    const config = cnn('1x14x14-conv6k5p2-pool2-conv16k5-pool2-30-20-10', { optimizer: 'adam', lr: 1e-3, dropout: 0.2 });
    const { gpu, cpu } = await shortPair(config, FUSED);
    const { gpu: unfused } = await shortPair(config, { fuseOutput: false });
    const [g, u, c] = [await gpu.trainEpoch(), await unfused.trainEpoch(), await cpu.trainEpoch()];
    expect(g.steps).toBe(50);
    // The same matmuls on both GPU runs: only the output layer's sums differ in order. Adam
    // divides by √v, so last-bit differences in tiny gradients grow: within 1e-7 relative at
    // every step on llvmpipe, 4e-3 by step 50 on SwiftShader. Tight for the first 30 steps.
    expectClose('loss per step, fused vs unfused GPU, steps 1-30', g.stepLoss.slice(0, 30), u.stepLoss.slice(0, 30), { atol: 1e-5, rtol: 1e-4 });
    expectClose('loss per step, fused vs unfused GPU', g.stepLoss, u.stepLoss, { atol: 2e-3, rtol: 2e-2 });
    // Against the CPU the rounding compounds (ReLU and dropout flips): measured 6e-4 relative
    // by step 40, 9e-3 by step 60 with the unfused GPU path alike.
    expectClose('loss per step, GPU vs CPU', g.stepLoss, c.stepLoss, { atol: 2e-3, rtol: 2e-2 });
    expect(Math.abs(g.val.correct - c.val.correct)).toBeLessThanOrEqual(1);
  });
});

describe('twenty steps GPU vs CPU', () => {
  it('lecun: the per-row stats fold into each step’s loss', async () => {
    const { gpu, cpu, lr } = await compareStep(PRESETS.lecun);
    const cpuLoss = [0];
    for (let s = 1; s < 20; s++) cpuLoss.push(cpu.step(s * 100, lr).lossSum);
    gpu.submitSteps(1, 20);
    const stats = (await gpu.inspect()).stats;
    expect(stats.length).toBe(2 * 20);
    const gpuLoss = Array.from({ length: 20 }, (_, s) => stats[2 * s]);
    cpuLoss[0] = gpuLoss[0];
    expectClose('loss per step', gpuLoss, cpuLoss, LOSS_TOL);
  });
});
