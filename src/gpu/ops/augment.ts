/** Augmentation in the mini-batch gather on the GPU, CPU twin src/cpu/augment.ts. */
import { gaussWeights, type AugmentParams, type ImageShape } from '../../cpu/augment.ts';
import { storageBuffer } from '../buffers.ts';
import { buildOwning, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { augmentDims } from '../uniforms.ts';

/**
 * x (B, C·H·W) = the images indices[start + b], each transformed by its draw of `p`, scaled
 * to [0, 1]; y (B) = their labels. With elastic distortion, four dispatches: the field's
 * noise (augment_noise), its row and column smoothing (augment_field_rows, _cols), then the
 * sampling gather (augment_gather); without, the gather alone. The field's two (B, H, W, 2)
 * buffers and the Gaussian's weights are the dispatches' own. The epoch the draws are keyed
 * by comes from the optimiser uniform's t0 (steps before this epoch).
 */
export async function augmentBatch(
  k: KernelCache, x: GPUBuffer | Slice, y: GPUBuffer | Slice, images: GPUBuffer, labels: GPUBuffer, indices: GPUBuffer,
  B: number, shape: ImageShape, p: AugmentParams, opt: GPUBuffer, step: GPUBindGroup, label = 'augment',
): Promise<Dispatch[]> {
  if (!(p.stepsPerEpoch >= 1)) throw new Error(`${label}: stepsPerEpoch must be ≥ 1, not ${p.stepsPerEpoch}.`);
  const words = augmentDims({ B, ...shape, p });
  const dims = () => uniformBuffer(k.device, `${label} dims`, words);
  const pixels = B * shape.H * shape.W;
  const flat = (n: number) => flatDispatch(n, FLAT_WG);
  const field = storageBuffer(k.device, `${label} field`, p.elastic ? pixels * 8 : 16);
  const out: Dispatch[] = [];
  if (p.elastic) {
    // The noise goes into `field`, the row pass into `tmp`, the column pass back into `field`.
    const tmp = storageBuffer(k.device, `${label} field rows`, pixels * 8);
    const w = storageBuffer(k.device, `${label} gauss weights`, gaussWeights(p.elastic.sigma));
    const noise = await buildOwning(k, 'augment_noise', { WG: FLAT_WG }, `${label} noise`, [indices, field, opt], dims(), flat(pixels), step);
    // Four outputs per invocation: along a row, then along a column.
    const quads = (n: number) => Math.ceil(n / 4);
    const rows = await buildOwning(k, 'augment_field_rows', { WG: FLAT_WG }, `${label} field rows`, [field, w, tmp], dims(), flat(B * shape.H * quads(shape.W)));
    const cols = await buildOwning(k, 'augment_field_cols', { WG: FLAT_WG }, `${label} field cols`, [tmp, w, field], dims(), flat(B * quads(shape.H) * shape.W));
    rows.owned.push(tmp, w);
    out.push(noise, rows, cols);
  }
  const gather = await buildOwning(
    k, 'augment_gather', { WG: FLAT_WG }, `${label} gather`, [images, labels, indices, field, x, y, opt], dims(), flat(pixels * shape.C), step,
  );
  gather.owned.push(field);
  out.push(gather);
  return out;
}
