/**
 * Where each layer's parameters live in the one flat parameter buffer.
 *
 * A layer's block is W (C × OC, row-major: W[c, o] at c·OC + o) followed by its bias
 * b (OC): together the bias-augmented matrix [W; b] of shape (C + 1, OC). The kernels
 * read the bias as row C of that matrix, and the weight-gradient kernel writes dW and
 * dB in one pass the same way. Blocks start on 64-float (256-byte) boundaries, the
 * storage-buffer offset alignment WebGPU guarantees, so each block can be bound alone.
 *
 * Convolution layers come first, in the same form: the im2col route (src/cpu/conv.ts) makes a
 * convolution a dense layer over im2col rows, so its block is W (C, OC) with rows in
 * (i, j, c) order (kernel row, column, input channel) followed by b (OC). C is KH·KW·IC
 * rounded up to a multiple of 4, so the vec4 matmuls take every convolution: the extra rows
 * meet im2col columns that are always 0, start at 0 and stay 0 (their gradient is 0).
 * Model files store the PyTorch layout (src/model/model-file.ts permutes).
 */
import { resolveFeatures, type ModelSpec } from './spec.ts';

export const BLOCK_ALIGN_FLOATS = 64;

export interface LayerBlock {
  kind: 'dense' | 'conv';
  /** Rows of W (dense: the layer's inputs; conv: IC·KH·KW rounded up to a multiple of 4). */
  C: number;
  /** Inputs per output that carry data (dense: C; conv: IC·KH·KW; rows fanIn..C−1 stay 0). */
  fanIn: number;
  OC: number;
  /** First float of W in the parameter buffer. */
  offset: number;
  /** C·OC: W's length; b starts at offset + weights. */
  weights: number;
  /** (C + 1)·OC: W and b together. */
  size: number;
  /** Outputs each input reaches, for Xavier's fan-out (dense: OC; conv: OC·KH·KW). */
  fanOut: number;
}

export interface ParamLayout {
  layers: LayerBlock[];
  /** Floats in the buffer, padding included. */
  total: number;
  /** Parameters proper, padding (between blocks, and convolutions' zero rows) excluded. */
  count: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function paramLayout(spec: Pick<ModelSpec, 'sizes' | 'input' | 'features'>): ParamLayout {
  const layers: LayerBlock[] = [];
  let offset = 0;
  let count = 0;
  const add = (kind: LayerBlock['kind'], C: number, OC: number, fanOut: number, fanIn = C) => {
    const block = { kind, C, fanIn, OC, offset, weights: C * OC, size: (C + 1) * OC, fanOut };
    layers.push(block);
    count += (fanIn + 1) * OC;
    offset = alignUp(offset + block.size, BLOCK_ALIGN_FLOATS);
  };
  for (const f of resolveFeatures(spec)) {
    if (f.layer.type === 'conv') {
      const fanIn = f.in.channels * f.layer.kh * f.layer.kw;
      add('conv', alignUp(fanIn, 4), f.layer.filters, f.layer.filters * f.layer.kh * f.layer.kw, fanIn);
    }
  }
  for (let l = 0; l + 1 < spec.sizes.length; l++) add('dense', spec.sizes[l], spec.sizes[l + 1], spec.sizes[l + 1]);
  return { layers, total: offset, count };
}

/** The dense layers' blocks (after any convolution layers' blocks). */
export function denseBlocks(layout: ParamLayout): LayerBlock[] {
  return layout.layers.filter((b) => b.kind === 'dense');
}

/** The convolution layers' blocks, in order. */
export function convBlocks(layout: ParamLayout): LayerBlock[] {
  return layout.layers.filter((b) => b.kind === 'conv');
}

/** Views of one layer's W and b inside a flat parameter (or gradient) array. */
export function layerViews(flat: Float32Array, block: LayerBlock): { W: Float32Array; b: Float32Array } {
  return {
    W: flat.subarray(block.offset, block.offset + block.weights),
    b: flat.subarray(block.offset + block.weights, block.offset + block.size),
  };
}
