/**
 * Mini-batch gather (shaders/gather_batch.wgsl): rows indices[start .. start + B) of the
 * u8 image set, scaled to [0, 1], and their labels.
 */
import type { Vec } from './matmul.ts';

export function gatherBatch(
  x: Vec, y: Uint32Array, images: Uint8Array, labels: Uint8Array, indices: Uint32Array, start: number, B: number, P: number,
): void {
  for (let b = 0; b < B; b++) {
    const i = indices[start + b];
    for (let p = 0; p < P; p++) x[b * P + p] = images[i * P + p] / 255;
    y[b] = labels[i];
  }
}

/** gather_batch_u8: the same rows kept as bytes. */
export function gatherBatchBytes(
  x: Uint8Array, y: Uint32Array, images: Uint8Array, labels: Uint8Array, indices: Uint32Array, start: number, B: number, P: number,
): void {
  for (let b = 0; b < B; b++) {
    const i = indices[start + b];
    x.set(images.subarray(i * P, (i + 1) * P), b * P);
    y[b] = labels[i];
  }
}
