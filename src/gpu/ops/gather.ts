/** The mini-batch gather: rows of the resident data set picked by the epoch's shuffled indices. */
import { buildOwning, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { isByteInput, type ByteInput } from './matmul.ts';
import { gatherDims } from '../uniforms.ts';

/**
 * x (B, P) = images[indices[start + b]] / 255, y (B) = labels[…]; start comes from the step.
 * With a ByteInput x the pixels stay bytes (gather_batch_u8), for matmul_vec4_u8 to read.
 */
export function gatherBatch(
  k: KernelCache, x: GPUBuffer | Slice | ByteInput, y: GPUBuffer | Slice, images: GPUBuffer, labels: GPUBuffer, indices: GPUBuffer,
  B: number, P: number, step: GPUBindGroup, label = 'gatherBatch',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, gatherDims({ B, P }));
  if (isByteInput(x) && P % 16 !== 0) throw new Error(`${label}: byte batches need images of a multiple of 16 pixels; P = ${P}.`);
  // Four pixels per invocation when images are whole u32 words.
  const [kernel, n] = isByteInput(x)
    ? (['gather_batch_u8', (B * P) / 16] as const)
    : P % 4 === 0
      ? (['gather_batch_vec4', (B * P) / 4] as const)
      : (['gather_batch', B * P] as const);
  const xBuffer = isByteInput(x) ? x.bytes : x;
  return buildOwning(k, kernel, { WG: FLAT_WG }, label, [images, labels, indices, xBuffer, y], dims, flatDispatch(n, FLAT_WG), step);
}
