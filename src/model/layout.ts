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
import { BLOCK_ALIGN_FLOATS, type LayerBlock, type ParamLayout, type StateBlock, type StateLayout } from './param-block.ts';
import { layerShapes } from './shapes.ts';
import type { Network } from './spec.ts';

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

export function stateLayout(net: Network): StateLayout {
  const layers: StateBlock[] = [];
  let offset = 0;
  const shapes = layerShapes(net);
  net.layers.forEach((layer, i) => {
    const s = moduleOf(layer).state?.(layer as never, shapes[i].in);
    if (!s) return;
    const size = s.tensors.reduce((n, t) => n + t.length, 0);
    layers.push({ layer: i, ...s, offset, size });
    offset = alignUp(offset + size, BLOCK_ALIGN_FLOATS);
  });
  return { layers, total: offset };
}
