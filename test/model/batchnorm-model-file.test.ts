/**
 * Batch normalization in model files and checkpoints: γ, β and the running statistics
 * under torch.nn.BatchNorm2d's names (`layers.<l>.weight`, `.bias`, `.running_mean`,
 * `.running_var`), numbered with the other layers that have parameters; a saved and loaded
 * model evaluates exactly as the trainer did; a checkpoint resumes bit-identically.
 */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { loadModel, saveModel } from '../../src/model/model-file.ts';
import { readSafetensors } from '../../src/model/safetensors.ts';
import { restoreCheckpoint, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const config: TrainConfig = {
  ...PRESETS.lecun,
  model: { ...PRESETS.lecun.model, ...parseNetwork('1x28x28-conv3k5s3:identity-bn:relu-pool2-12-bn-10') },
  batch: 20,
  lr: 0.05,
  momentum: 0.9,
  optimizer: 'momentum',
  epochs: 3,
};
const train = syntheticSplit(200, 1);
const val = syntheticSplit(60, 2);

describe('batch normalization in model files', () => {
  it('saves γ, β, running_mean and running_var under PyTorch names; loading restores them and the same outputs', async () => {
    const t = new CpuTrainer(config, train, val);
    await t.trainEpoch();
    const [params, state] = [await t.getParams(), await t.getLayerState()];
    const bytes = saveModel(config.model, params, {}, state);
    const { tensors } = readSafetensors(bytes);
    expect([...tensors.keys()].sort()).toEqual(
      [
        'layers.0.weight', 'layers.0.bias',
        'layers.1.weight', 'layers.1.bias', 'layers.1.running_mean', 'layers.1.running_var',
        'layers.2.weight', 'layers.2.bias',
        'layers.3.weight', 'layers.3.bias', 'layers.3.running_mean', 'layers.3.running_var',
        'layers.4.weight', 'layers.4.bias',
      ].sort(),
    );
    expect(tensors.get('layers.1.running_var')!.shape).toEqual([3]);
    expect(tensors.get('layers.3.weight')!.shape).toEqual([12]);
    expect(Array.from(tensors.get('layers.3.running_mean')!.data)).toEqual(Array.from(state.subarray(64, 76)));

    const loaded = loadModel(bytes);
    expect(Array.from(loaded.params)).toEqual(Array.from(params));
    expect(Array.from(loaded.state)).toEqual(Array.from(state));
    const other = new CpuTrainer(config, train, val);
    await other.setParams(loaded.params);
    await other.setLayerState(loaded.state);
    expect(Array.from(await other.logits(val))).toEqual(Array.from(await t.logits(val)));
  });

  it('refuses to save without the running statistics, and a file that lacks them', () => {
    const t = new CpuTrainer(config, train, val);
    expect(() => saveModel(config.model, new Float32Array(t.layout.total))).toThrow(/needs its layer state/);
    const plain = saveModel({ ...config.model, ...parseNetwork('1x28x28-conv3k5s3-pool2-12-10') }, new Float32Array(1000));
    expect(loadModel(plain).state.length).toBe(0);
  });
});

describe('batch normalization in checkpoints', () => {
  it('resumes with the running statistics bit-identical to an uninterrupted run', async () => {
    const data = dataIdentity('synthetic', train, val);
    const whole = new CpuTrainer(config, train, val);
    for (let e = 0; e < 3; e++) await whole.trainEpoch();

    const first = new CpuTrainer(config, train, val);
    await first.trainEpoch();
    const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(first, data, [0])));
    expect(Array.from(saved.layerState!)).toEqual(Array.from(await first.getLayerState()));
    const resumed = new CpuTrainer(config, train, val);
    await restoreCheckpoint(resumed, saved, data);
    for (let e = 0; e < 2; e++) await resumed.trainEpoch();

    expect(Array.from(await resumed.getParams())).toEqual(Array.from(await whole.getParams()));
    expect(Array.from(await resumed.getLayerState())).toEqual(Array.from(await whole.getLayerState()));
  });
});
