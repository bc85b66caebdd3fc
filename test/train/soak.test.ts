/**
 * A short soak: many epochs allocate no GPU buffers after the first (bench/soak.ts runs the
 * long version and watches heap and RSS too).
 */
import { expect, it } from 'vitest';
import { bufferCensus } from '../../src/gpu/buffer-census.ts';
import { openNodeGpu } from '../../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { PRESETS } from '../../src/train/config.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { denseNetwork } from '../../src/model/arch.ts';

it('40 epochs create no GPU buffers and keep the same ones alive', async () => {
  const ctx = await openNodeGpu(TEST_ADAPTER);
  const census = bufferCensus(ctx.device);
  const config = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 64, 10]) } };
  const trainer = await GpuTrainer.create(ctx, config, syntheticSplit(300, 1), syntheticSplit(100, 2));
  await trainer.trainEpoch();
  const after1 = { created: census.created, alive: census.alive };
  expect(after1.alive).toBeGreaterThan(10); // the census sees the trainer's buffers
  for (let e = 2; e <= 40; e++) await trainer.trainEpoch();
  expect(census.created - after1.created, 'buffers created after epoch 1').toBe(0);
  expect(census.alive).toBe(after1.alive);
  trainer.destroy();
  expect(census.alive).toBe(0);
  census.stop();
  ctx.destroy();
});
