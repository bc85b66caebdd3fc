/**
 * Where each layer's parameters live in the one flat parameter buffer.
 *
 * A layer's block is W (C × OC, row-major: W[c, o] at c·OC + o) followed by its bias
 * b (OC): together the bias-augmented matrix [W; b] of shape (C + 1, OC). The kernels
 * read the bias as row C of that matrix, and the weight-gradient kernel writes dW and
 * dB in one pass the same way. Blocks start on 64-float (256-byte) boundaries, the
 * storage-buffer offset alignment WebGPU guarantees, so each block can be bound alone.
 */
import type { ModelSpec } from './spec.ts';

export const BLOCK_ALIGN_FLOATS = 64;

export interface LayerBlock {
  C: number;
  OC: number;
  /** First float of W in the parameter buffer. */
  offset: number;
  /** C·OC: W's length; b starts at offset + weights. */
  weights: number;
  /** (C + 1)·OC: W and b together. */
  size: number;
}

export interface ParamLayout {
  layers: LayerBlock[];
  /** Floats in the buffer, padding included. */
  total: number;
  /** Parameters proper, padding excluded. */
  count: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function paramLayout(spec: Pick<ModelSpec, 'sizes'>): ParamLayout {
  const layers: LayerBlock[] = [];
  let offset = 0;
  let count = 0;
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    const C = spec.sizes[l];
    const OC = spec.sizes[l + 1];
    const block = { C, OC, offset, weights: C * OC, size: (C + 1) * OC };
    layers.push(block);
    count += block.size;
    offset = alignUp(offset + block.size, BLOCK_ALIGN_FLOATS);
  }
  return { layers, total: offset, count };
}

/** Views of one layer's W and b inside a flat parameter (or gradient) array. */
export function layerViews(flat: Float32Array, block: LayerBlock): { W: Float32Array; b: Float32Array } {
  return {
    W: flat.subarray(block.offset, block.offset + block.weights),
    b: flat.subarray(block.offset + block.weights, block.offset + block.size),
  };
}
