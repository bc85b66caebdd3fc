/**
 * A layer's parameter block in the one flat parameter buffer, and the buffer's layout: the
 * types every part of the engine shares (src/model/layout.ts computes them from a network).
 *
 * A layer's block is W (C × OC, row-major: W[c, o] at c·OC + o) followed by its bias
 * b (OC): together the bias-augmented matrix [W; b] of shape (C + 1, OC). Blocks start on
 * 64-float (256-byte) boundaries, the storage-buffer offset alignment WebGPU guarantees.
 */
import type { LayerType } from './spec.ts';

export const BLOCK_ALIGN_FLOATS = 64;

/** A layer's parameters as one block [W; b] (its module says these sizes: src/layers). */
export interface ParamShape {
  /** Rows of W. */
  C: number;
  /** Inputs per output that carry data (rows fanIn..C−1 stay 0). */
  fanIn: number;
  OC: number;
  /** Outputs each input reaches, for Xavier's fan-out. */
  fanOut: number;
}

export interface LayerBlock extends ParamShape {
  /** The type of the layer it belongs to. */
  kind: LayerType;
  /** The layer's position in the network. */
  layer: number;
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
  /** Parameters proper, padding (between blocks, and convolutions' zero rows) excluded. */
  count: number;
}

/** Views of one layer's W and b inside a flat parameter (or gradient) array. */
export function layerViews(flat: Float32Array, block: LayerBlock): { W: Float32Array; b: Float32Array } {
  return {
    W: flat.subarray(block.offset, block.offset + block.weights),
    b: flat.subarray(block.offset + block.weights, block.offset + block.size),
  };
}

/** A block's [W; b] inside a flat parameter (or gradient) array. */
export function blockView(flat: Float32Array, block: LayerBlock): Float32Array {
  return flat.subarray(block.offset, block.offset + block.size);
}
