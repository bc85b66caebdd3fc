/**
 * Colour input through both trainers: a 3×9×11 network (convolution, pooling, dense; and a
 * dense layer reading the image itself) takes one step on the GPU and on the CPU reference
 * from the same weights and mini-batch, and every feature map, gradient and updated
 * parameter agrees. The images arrive channel-planar (C×H×W) and both trainers read them
 * channels last (test/model/cnn-model-file.test.ts checks that order against PyTorch's).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { channelsLast } from '../../src/data/dataset.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { PRESETS, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { compareOneStep, LOSS_TOL, trainerPairs } from '../helpers/pair.ts';
import { testGpu } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const config = (arch: string): TrainConfig => ({
  ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...parseNetwork(arch) }, batch: 7, lr: 0.05, l2: 1e-3,
});

// Odd sizes, padding, a channel count (5) not a multiple of four, 3·9·11 = 297 inputs per image.
const conv = config('3x9x11-conv5k3p1-pool2-13-6');
const dense = config('3x9x11-17-6');

const pair = trainerPairs(140, 21, testGpu, { channels: 3, rows: 9, cols: 11, classes: 6 }); // 20 mini-batches of 7

describe('three-channel input, one step GPU vs CPU', () => {
  it('convolution over three input channels', async () => {
    const { gpu, cpu } = await pair(conv);
    expectClose('initial params', await gpu.getParams(), await cpu.getParams(), { atol: 0, rtol: 0 });
    const { g, c } = await compareOneStep(gpu, cpu);
    expectClose('x', g.x, c.x, { atol: 1e-7, rtol: 0 });
    expect(g.x.length).toBe(7 * 297);
  });

  it('a dense layer reading the colour image (a flat input: the planar bytes as they are)', async () => {
    const { gpu, cpu } = await pair(dense);
    const { g, c } = await compareOneStep(gpu, cpu);
    expectClose('x', g.x, c.x, { atol: 1e-7, rtol: 0 });
  });

  it('20 steps of loss and the validation predictions agree', async () => {
    const { gpu, cpu } = await pair(conv);
    const [rg, rc] = [await gpu.trainEpoch(), await cpu.trainEpoch()];
    expectClose('step losses', rg.stepLoss, rc.stepLoss, LOSS_TOL);
    expect(Array.from(rg.val.preds)).toEqual(Array.from(rc.val.preds));
  });
});

describe('validateConfig on colour data', () => {
  const image = { channels: 3, rows: 9, cols: 11 };
  it('accepts the data\'s C×H×W and a flat input of as many values', () => {
    expect(() => validateConfig(conv, 297, 6, 140, image)).not.toThrow();
    expect(() => validateConfig(config('297-6'), 297, 6, 140, image)).not.toThrow();
  });
  it('says what to write in --arch when the shape differs', () => {
    expect(() => validateConfig(config('1x27x11-conv5k3p1-pool2-13-6'), 297, 6, 140, image)).toThrow(
      "the network takes 1×27×11 images but the data's are 3×9×11: start the architecture with 3x9x11",
    );
    expect(() => validateConfig(config('9x11-conv5k3p1-pool2-13-6'), 297, 6, 140, image)).toThrow(
      'the network takes 99 inputs but the images have 297 values (3×9×11): start the architecture with 3x9x11',
    );
  });
});

describe('checkpoint data digests', () => {
  it('keep a grayscale split\'s digest as it was before colour, so older checkpoints resume', () => {
    const gray = syntheticSplit(6, 3, 3, 6, 4);
    // The digest checkpoints written before colour hold: count, rows, cols, classes, then images and labels.
    const before = createHash('sha256').update(new Uint8Array(new Uint32Array([6, 3, 6, 4]).buffer)).update(gray.images).update(gray.labels).digest('hex');
    expect(dataIdentity('d', gray, gray).trainSha256).toBe(before);
  });
});

describe('channelsLast', () => {
  it('moves C×H×W to H×W×C per image, and leaves one channel and flat inputs alone', () => {
    const split = syntheticSplit(2, 3, 2, 3, 4, 3);
    const out = channelsLast(split.images, { channels: 3, height: 2, width: 3 });
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 6; p++) expect(out[n * 18 + p * 3 + c]).toBe(split.images[n * 18 + c * 6 + p]);
      }
    }
    expect(channelsLast(split.images, { channels: 18, height: 1, width: 1 })).toBe(split.images);
    const gray = syntheticSplit(2, 3, 2, 3, 4);
    expect(channelsLast(gray.images, { channels: 1, height: 2, width: 3 })).toBe(gray.images);
  });
});
