/**
 * GPU and CPU trainers built from one configuration on the same synthetic splits, for the
 * parity tests; the GPU trainers are destroyed after the file's tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import type { Split } from '../../src/data/dataset.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { GpuTrainer, type GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import type { TrainConfig } from '../../src/train/config.ts';
import { testGpu } from './gpu.ts';
import { syntheticSplit } from './splits.ts';

/**
 * Registers the splits (`trainCount` and `valCount` synthetic images) and returns the pair
 * maker; the GPU trainers run on `gpu()` (the test adapter unless given).
 */
export function trainerPairs(trainCount: number, valCount: number, gpu: () => Promise<GpuContext> = testGpu) {
  let train: Split;
  let val: Split;
  beforeAll(() => {
    train = syntheticSplit(trainCount, 1);
    val = syntheticSplit(valCount, 2);
  });
  const trainers: GpuTrainer[] = [];
  afterAll(() => trainers.forEach((t) => t.destroy()));
  return async function pair(config: TrainConfig, options: GpuTrainerOptions = {}) {
    const g = await GpuTrainer.create(await gpu(), config, train, val, options);
    trainers.push(g);
    return { gpu: g, cpu: new CpuTrainer(config, train, val) };
  };
}
