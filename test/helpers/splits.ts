/** Data for training tests: a seeded synthetic split, and the real MNIST when it is there. */
import type { Split } from '../../src/data/dataset.ts';
import { Rng } from '../../src/model/rng.ts';

/**
 * Images whose class is learnable: class k lights up rows k·rows/classes .. of the image,
 * plus noise (in colour, channel c lights the band of class (k + c) mod classes, so that
 * the channels differ). Pixels are bytes like MNIST's, C×H×W per image.
 */
export function syntheticSplit(count: number, seed: number, rows = 28, cols = 28, classes = 10, channels = 1): Split {
  const rng = new Rng(seed);
  const HW = rows * cols;
  const P = channels * HW;
  const images = new Uint8Array(count * P);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = rng.below(classes);
    labels[i] = k;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < HW; p++) {
        const band = Math.floor(((p / cols) * classes) / rows) === (k + c) % classes;
        images[i * P + c * HW + p] = Math.min(255, (band ? 160 : 0) + rng.below(96));
      }
    }
  }
  return { images, labels, count, channels, rows, cols, classes };
}
