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
  /** The block starts at these constants instead of the network's init (batch norm: γ = 1, β = 0). */
  constant?: { weight: number; bias: number };
}

/**
 * A layer's state that is not trained (batch norm's running mean and variance): named
 * vectors, one after another in the layer's block of the state buffer, which no optimiser
 * touches. Model files and checkpoints save them (`layers.<l>.<name>`).
 */
export interface StateShape {
  tensors: { name: string; length: number; init: number }[];
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

/** A layer's block of the state buffer: its StateShape's vectors one after another. */
export interface StateBlock extends StateShape {
  layer: number;
  offset: number;
  /** Floats in the block: the vectors' lengths summed. */
  size: number;
}

export interface StateLayout {
  layers: StateBlock[];
  /** Floats in the buffer, padding included (0 for a network without state). */
  total: number;
}

/** The state's initial values (running mean 0, running variance 1). */
export function initState(layout: StateLayout): Float32Array {
  const state = new Float32Array(layout.total);
  for (const block of layout.layers) {
    let at = block.offset;
    for (const t of block.tensors) {
      state.fill(t.init, at, at + t.length);
      at += t.length;
    }
  }
  return state;
}

/** Views of a state block's named vectors inside the flat state array. */
export function stateViews(flat: Float32Array, block: StateBlock): Record<string, Float32Array> {
  let at = block.offset;
  return Object.fromEntries(block.tensors.map((t) => [t.name, flat.subarray(at, (at += t.length))]));
}
