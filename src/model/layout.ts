/**
 * Where each layer's parameters live in the one flat parameter buffer.
 *
 * A layer's block is W (C × OC, row-major: W[c, o] at c·OC + o) followed by its bias
 * b (OC): together the bias-augmented matrix [W; b] of shape (C + 1, OC). The kernels
 * read the bias as row C of that matrix, and the weight-gradient kernel writes dW and
 * dB in one pass the same way. Blocks start on 64-float (256-byte) boundaries, the
 * storage-buffer offset alignment WebGPU guarantees, so each block can be bound alone.
 * Blocks follow the layers' order; layers without parameters (pooling) have none. Each
 * layer's module (src/layers) says its block's C, OC and fans: a convolution's C is
 * KH·KW·IC rounded up to a multiple of 4, rows that meet im2col columns that are always 0,
 * start at 0 and stay 0. Model files store the PyTorch layout (src/model/model-file.ts permutes).
 *
 * State that is not trained (batch norm's running mean and variance) lives in a second flat
 * buffer laid out the same way (stateLayout): the optimisers never see it, the forward pass
 * of a training step updates it, evaluation reads it.
 */
import { moduleOf } from '../layers/index.ts';
import type { ParamShape, StateShape } from '../layers/layer.ts';
import { layerShapes } from './shapes.ts';
import type { LayerType, Network } from './spec.ts';

export const BLOCK_ALIGN_FLOATS = 64;

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

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function paramLayout(net: Network): ParamLayout {
  const layers: LayerBlock[] = [];
  let offset = 0;
  let count = 0;
  const shapes = layerShapes(net);
  net.layers.forEach((layer, i) => {
    const p = moduleOf(layer).params(layer as never, shapes[i].in);
    if (!p) return;
    const block = { kind: layer.type, layer: i, ...p, offset, weights: p.C * p.OC, size: (p.C + 1) * p.OC };
    layers.push(block);
    count += (p.fanIn + 1) * p.OC;
    offset = alignUp(offset + block.size, BLOCK_ALIGN_FLOATS);
  });
  return { layers, total: offset, count };
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

export function stateLayout(net: Network): StateLayout {
  const layers: StateBlock[] = [];
  let offset = 0;
  const shapes = layerShapes(net);
  net.layers.forEach((layer, i) => {
    const s = moduleOf(layer).state(layer as never, shapes[i].in);
    if (!s) return;
    const size = s.tensors.reduce((n, t) => n + t.length, 0);
    layers.push({ layer: i, ...s, offset, size });
    offset = alignUp(offset + size, BLOCK_ALIGN_FLOATS);
  });
  return { layers, total: offset };
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
