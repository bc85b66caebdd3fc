/**
 * Where each layer's parameters live in the one flat parameter buffer.
 *
 * A layer's block is W (C × OC, row-major: W[c, o] at c·OC + o) followed by its bias
 * b (OC): together the bias-augmented matrix [W; b] of shape (C + 1, OC). The kernels
 * read the bias as row C of that matrix, and the weight-gradient kernel writes dW and
 * dB in one pass the same way. Blocks start on 64-float (256-byte) boundaries, the
 * storage-buffer offset alignment WebGPU guarantees, so each block can be bound alone.
 *
 * Convolution layers come first, in the same form: W (OC × C) with C = IC·KH·KW, stored as
 * PyTorch stores a Conv2d weight, (OC, IC, KH, KW) row-major, followed by b (OC). The
 * update kernels only need to know where weights end and biases begin, so one buffer and
 * one optimiser serve both kinds.
 */
import { resolveFeatures, type ModelSpec } from './spec.ts';

export const BLOCK_ALIGN_FLOATS = 64;

export interface LayerBlock {
  kind: 'dense' | 'conv';
  /** Inputs per output (dense: the layer's inputs; conv: IC·KH·KW). */
  C: number;
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
  /** Parameters proper, padding excluded. */
  count: number;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function paramLayout(spec: Pick<ModelSpec, 'sizes' | 'input' | 'features'>): ParamLayout {
  const layers: LayerBlock[] = [];
  let offset = 0;
  let count = 0;
  const add = (kind: LayerBlock['kind'], C: number, OC: number, fanOut: number) => {
    const block = { kind, C, OC, offset, weights: C * OC, size: (C + 1) * OC, fanOut };
    layers.push(block);
    count += block.size;
    offset = alignUp(offset + block.size, BLOCK_ALIGN_FLOATS);
  };
  for (const f of resolveFeatures(spec)) {
    if (f.layer.type === 'conv') add('conv', f.in.channels * f.layer.kh * f.layer.kw, f.layer.filters, f.layer.filters * f.layer.kh * f.layer.kw);
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
