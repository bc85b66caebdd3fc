/** Augmentation in the mini-batch gather on the GPU, CPU twin src/cpu/augment.ts. */
import type { AugmentParams, ImageShape } from '../../cpu/augment.ts';
import { storageBuffer } from '../buffers.ts';
import { buildOwning, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { augmentDims } from '../uniforms.ts';

/**
 * x (B, C·H·W) = the images indices[start + b], each transformed by its draw of `p`, scaled
 * to [0, 1]; y (B) = their labels. With elastic distortion, three dispatches: the field's
 * row pass (augment_field_rows), its column pass (augment_field_cols), the sampling gather
 * (augment_gather); the field's two (B, H, W, 2) buffers are the dispatches' own. The epoch
 * the draws are keyed by comes from the optimiser uniform's t0 (steps before this epoch).
 */
export async function augmentBatch(
  k: KernelCache, x: GPUBuffer | Slice, y: GPUBuffer | Slice, images: GPUBuffer, labels: GPUBuffer, indices: GPUBuffer,
  B: number, shape: ImageShape, p: AugmentParams, opt: GPUBuffer, step: GPUBindGroup, label = 'augment',
): Promise<Dispatch[]> {
  if (p.stepsPerEpoch < 1) throw new Error(`${label}: stepsPerEpoch must be ≥ 1, not ${p.stepsPerEpoch}.`);
  const words = augmentDims({ B, ...shape, p });
  const pixels = B * shape.H * shape.W;
  const fieldBytes = p.elastic ? pixels * 8 : 16;
  const field = storageBuffer(k.device, `${label} field`, fieldBytes);
  const out: Dispatch[] = [];
  const flat = (n: number) => flatDispatch(n, FLAT_WG);
  if (p.elastic) {
    const tmp = storageBuffer(k.device, `${label} field rows`, fieldBytes);
    const rows = await buildOwning(k, 'augment_field_rows', { WG: FLAT_WG }, `${label} field rows`, [indices, tmp, opt], uniformBuffer(k.device, `${label} dims`, words), flat(pixels), step);
    rows.owned.push(tmp);
    const cols = await buildOwning(k, 'augment_field_cols', { WG: FLAT_WG }, `${label} field cols`, [tmp, field], uniformBuffer(k.device, `${label} dims`, words), flat(pixels));
    out.push(rows, cols);
  }
  const gather = await buildOwning(
    k, 'augment_gather', { WG: FLAT_WG }, `${label} gather`, [images, labels, indices, field, x, y, opt],
    uniformBuffer(k.device, `${label} dims`, words), flat(pixels * shape.C), step,
  );
  gather.owned.push(field);
  out.push(gather);
  return out;
}
