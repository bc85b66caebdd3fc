/**
 * "What the network trains on": the first training images as the augmenting gather
 * transforms them in epoch 1, drawn by its CPU twin (src/cpu/augment.ts) from the same
 * hash of seed, epoch and image as the GPU's kernels, so they are the images the run's
 * first epoch trains on (to float rounding).
 */
import { augmentBatch, imageShape } from '../../src/cpu/augment.ts';
import { channelsLast, type Split } from '../../src/data/dataset.ts';
import { augmentParams, PRESETS, type AugmentConfig } from '../../src/train/config.ts';
import type { AugmentPreview } from '../shared/worker-protocol.ts';

/** Images in the grid: a few rows' worth, cheap to compute on every change of the form. */
const PREVIEW_IMAGES = 24;

/** Images 0 .. count−1 of `train` (all their channels, channels last), augmented as epoch `epoch` of a run with this seed would. */
export function augmentPreview(train: Split, augment: AugmentConfig | undefined, seed: number, count = PREVIEW_IMAGES, epoch = 1): AugmentPreview {
  const n = Math.min(count, train.count);
  const shape = imageShape(train);
  const { C, H, W } = shape;
  const P = C * H * W;
  // The gather reads channels last, as the trainers hand it the images (channelsLast).
  const images = channelsLast(train.images.subarray(0, n * P), { channels: C, height: H, width: W });
  const p = augmentParams({ ...PRESETS.lecun, seed, augment }, 1);
  const x = new Float32Array(n * P);
  const indices = Uint32Array.from({ length: n }, (_, i) => i);
  if (p) {
    const scratch = { tmp: new Float32Array(n * H * W * 2), field: new Float32Array(n * H * W * 2) };
    augmentBatch(x, new Uint32Array(n), images, train.labels, indices, 0, n, shape, p, epoch, scratch);
  } else {
    for (let i = 0; i < n * P; i++) x[i] = images[i] / 255;
  }
  const out = Uint8Array.from(x, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
  return { images: out, labels: Array.from(train.labels.subarray(0, n)), count: n, channels: C, rows: H, cols: W, augmented: p !== null };
}
