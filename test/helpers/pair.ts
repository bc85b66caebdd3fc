/**
 * GPU and CPU trainers built from one configuration on the same synthetic splits, for the
 * parity tests; the GPU trainers are destroyed after the file's tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import type { Split } from '../../src/data/dataset.ts';
import { GpuTrainer, type GpuTrainerOptions } from '../../src/gpu/trainer.ts';
import type { TrainConfig } from '../../src/train/config.ts';
import { testGpu } from './gpu.ts';
import { syntheticSplit } from './splits.ts';

/** Registers the splits (`trainCount` and `valCount` synthetic images) and returns the pair maker. */
export function trainerPairs(trainCount: number, valCount: number) {
  let train: Split;
  let val: Split;
  beforeAll(() => {
    train = syntheticSplit(trainCount, 1);
    val = syntheticSplit(valCount, 2);
  });
  const trainers: GpuTrainer[] = [];
  afterAll(() => trainers.forEach((t) => t.destroy()));
  return async function pair(config: TrainConfig, options: GpuTrainerOptions = {}) {
    const gpu = await GpuTrainer.create(await testGpu(), config, train, val, options);
    trainers.push(gpu);
    return { gpu, cpu: new CpuTrainer(config, train, val) };
  };
}
