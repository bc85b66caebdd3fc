/** Data for training tests: a seeded synthetic split, and the real MNIST when it is there. */
import type { Split } from '../../src/data/dataset.ts';
import { Rng } from '../../src/model/rng.ts';

/**
 * Images whose class is learnable: class k lights up rows k·rows/classes .. of the image,
 * plus noise. Pixels are bytes like MNIST's.
 */
export function syntheticSplit(count: number, seed: number, rows = 28, cols = 28, classes = 10): Split {
  const rng = new Rng(seed);
  const P = rows * cols;
  const images = new Uint8Array(count * P);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = rng.below(classes);
    labels[i] = k;
    for (let p = 0; p < P; p++) {
      const band = Math.floor(((p / cols) * classes) / rows) === k;
      images[i * P + p] = Math.min(255, (band ? 160 : 0) + rng.below(96));
    }
  }
  return { images, labels, count, channels: 1, rows, cols, classes };
}
