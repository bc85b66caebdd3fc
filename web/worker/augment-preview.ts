/**
 * "What the network trains on": the first training images as the augmenting gather
 * transforms them in epoch 1, drawn by its CPU twin (src/cpu/augment.ts) from the same
 * hash of seed, epoch and image as the GPU's kernels, so they are the images the run's
 * first epoch trains on (to float rounding).
 */
import { augmentBatch, imageShape } from '../../src/cpu/augment.ts';
import type { Split } from '../../src/data/dataset.ts';
import { augmentParams, PRESETS, type AugmentConfig } from '../../src/train/config.ts';
import type { AugmentPreview } from '../shared/worker-protocol.ts';

/** Images in the grid: a few rows' worth, cheap to compute on every change of the form. */
const PREVIEW_IMAGES = 24;

/** Images 0 .. count−1 of `train` (their first channel), augmented as epoch `epoch` of a run with this seed would. */
export function augmentPreview(train: Split, augment: AugmentConfig | undefined, seed: number, count = PREVIEW_IMAGES, epoch = 1): AugmentPreview {
  const n = Math.min(count, train.count);
  const shape = imageShape(train);
  const { H, W } = shape;
  const P = shape.C * H * W;
  const p = augmentParams({ ...PRESETS.lecun, seed, augment }, 1);
  const x = new Float32Array(n * P);
  const indices = Uint32Array.from({ length: n }, (_, i) => i);
  if (p) {
    const scratch = { tmp: new Float32Array(n * H * W * 2), field: new Float32Array(n * H * W * 2) };
    augmentBatch(x, new Uint32Array(n), train.images, train.labels, indices, 0, n, shape, p, epoch, scratch);
  } else {
    for (let i = 0; i < n * P; i++) x[i] = train.images[i] / 255;
  }
  const images = new Uint8Array(n * H * W);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < H * W; q++) images[b * H * W + q] = Math.round(255 * Math.min(1, Math.max(0, x[b * P + q])));
  }
  return { images, labels: Array.from(train.labels.subarray(0, n)), count: n, rows: H, cols: W, augmented: p !== null };
}
