/** The page's "What the network trains on" grid (web/worker/augment-preview.ts): the images the trainers' gather makes. */
import { describe, expect, it } from 'vitest';
import { augmentBatch, imageShape } from '../../../src/cpu/augment.ts';
import { AFFINE_DEFAULTS, augmentParams, ELASTIC_DEFAULTS, PRESETS } from '../../../src/train/config.ts';
import { augmentPreview } from '../../../web/worker/augment-preview.ts';
import { syntheticSplit } from '../../helpers/splits.ts';

const train = syntheticSplit(40, 4);

describe('augmentPreview', () => {
  it('without augmentation: the first images as they are', () => {
    const p = augmentPreview(train, undefined, 1, 6);
    expect(p).toMatchObject({ count: 6, rows: 28, cols: 28, augmented: false, labels: Array.from(train.labels.subarray(0, 6)) });
    expect(Array.from(p.images)).toEqual(Array.from(train.images.subarray(0, 6 * 784)));
  });

  it('with augmentation: epoch 1 of the trainers’ gather for those images, as bytes; the seed changes them', () => {
    const augment = { affine: AFFINE_DEFAULTS, elastic: ELASTIC_DEFAULTS };
    const p = augmentPreview(train, augment, 7, 5);
    expect(p.augmented).toBe(true);
    const x = new Float32Array(5 * 784);
    const scratch = { tmp: new Float32Array(5 * 784 * 2), field: new Float32Array(5 * 784 * 2) };
    const params = augmentParams({ ...PRESETS.lecun, seed: 7, augment }, 123)!;
    augmentBatch(x, new Uint32Array(5), train.images, train.labels, Uint32Array.from([0, 1, 2, 3, 4]), 0, 5, imageShape(train), params, 1, scratch);
    expect(Array.from(p.images)).toEqual(Array.from(x, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
    expect(Array.from(p.images)).not.toEqual(Array.from(train.images.subarray(0, 5 * 784)));
    expect(Array.from(augmentPreview(train, augment, 8, 5).images)).not.toEqual(Array.from(p.images));
  });

  it('colour images come whole, channels last (RGB pixels), not their first plane', () => {
    // Two 1×2 RGB images, planar (C×H×W) as a Split holds them.
    const colour = { images: Uint8Array.from([10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61]), labels: Uint8Array.from([0, 1]), count: 2, channels: 3, rows: 1, cols: 2, classes: 2 };
    const p = augmentPreview(colour, undefined, 1, 2);
    expect(p).toMatchObject({ count: 2, channels: 3, rows: 1, cols: 2 });
    expect(Array.from(p.images)).toEqual([10, 20, 30, 11, 21, 31, 40, 50, 60, 41, 51, 61]);
  });
});
