/**
 * What a convolutional network computes for one image, layer by layer, and what its first
 * convolution layer has learnt. Computed with the CPU twins (src/cpu/conv.ts conv2dForward:
 * im2col + the dense matmul, src/cpu/pool.ts maxPoolForward): for one 28×28 image that is
 * a fraction of a millisecond, and it keeps the feature maps of a drawing independent of
 * the GPU, which may be busy training.
 *
 * Feature maps are channels last (NHWC, as everywhere in wgtrain): channel o of a map of
 * shape (H, W, C) is the values at (y·W + x)·C + o.
 */
import { conv2dForward, colShape } from '../../src/cpu/conv.ts';
import { matmulForward } from '../../src/cpu/matmul.ts';
import { maxPoolForward } from '../../src/cpu/pool.ts';
import { featureStages } from '../../src/model/stages.ts';
import { denseBlocks, paramLayout, type LayerBlock } from '../../src/model/layout.ts';
import { inputSize, layerActivations, resolveFeatures, type ModelSpec, type Shape3 } from '../../src/model/spec.ts';

/** One feature layer's output for one image. */
export interface FeatureMap {
  /** "conv 1: 6 filters 5×5, padding 2, relu" */
  label: string;
  shape: Shape3;
  /** (height, width, channels), channels last. */
  values: Float32Array;
}

/** The feature layers' outputs (empty for a dense network) and the dense layers' last output (logits or activations). */
export interface ForwardResult {
  features: FeatureMap[];
  outputs: Float32Array;
}

function featureLabel(spec: ModelSpec): string[] {
  let conv = 0;
  let pool = 0;
  return resolveFeatures(spec).map(({ layer: l }) => {
    if (l.type === 'pool') {
      const extra = `${l.stride !== l.size ? `, stride ${l.stride}` : ''}${l.pad ? `, padding ${l.pad}` : ''}`;
      return `max-pool ${++pool}: ${l.size}×${l.size}${extra}`;
    }
    const extra = `${l.stride !== 1 ? `, stride ${l.stride}` : ''}${l.pad ? `, padding ${l.pad}` : ''}`;
    return `conv ${++conv}: ${l.filters} filters ${l.kh}×${l.kw}${extra}, ${spec.activation}`;
  });
}

/** One image (bytes like MNIST's, scaled to [0, 1] as in training) through the whole network. */
export function forwardImage(spec: ModelSpec, params: Float32Array, pixels: Uint8Array): ForwardResult {
  const P = inputSize(spec);
  if (pixels.length !== P) throw new Error(`This network takes ${P} pixels but the image has ${pixels.length}.`);
  const layout = paramLayout(spec);
  const block = (b: LayerBlock) => params.subarray(b.offset, b.offset + b.size);
  const labels = featureLabel(spec);
  const features: FeatureMap[] = [];
  let x = Float32Array.from(pixels, (p) => p / 255);
  for (const [i, stage] of featureStages(spec, layout, 1).entries()) {
    const out = new Float32Array(stage.outSize);
    if (stage.kind === 'conv') {
      const g = stage.conv!;
      const { rows, cols } = colShape(g);
      conv2dForward(out, new Float32Array(rows * cols), x, block(stage.block!), g, stage.act);
    } else {
      maxPoolForward(out, new Uint32Array(stage.outSize), x, stage.pool!);
    }
    features.push({ label: labels[i], shape: resolveFeatures(spec)[i].out, values: out });
    x = out;
  }
  const acts = layerActivations(spec);
  for (const [l, b] of denseBlocks(layout).entries()) {
    const out = new Float32Array(b.OC);
    matmulForward(out, x, block(b), 1, b.C, b.OC, acts[l]);
    x = out;
  }
  return { features, outputs: x };
}

/** Channel `c` of a feature map, as an H × W image (row-major). */
export function channel(map: FeatureMap, c: number): Float32Array {
  const { channels: C, height: H, width: W } = map.shape;
  const out = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) out[p] = map.values[p * C + c];
  return out;
}

/** The first convolution layer's kernel shape, or null when the network starts with a dense layer. */
export interface FilterShape {
  KH: number;
  KW: number;
  IC: number;
}

export function firstFilterShape(spec: ModelSpec): FilterShape | null {
  const first = resolveFeatures(spec).find((f) => f.layer.type === 'conv');
  if (!first || first.layer.type !== 'conv') return null;
  return { KH: first.layer.kh, KW: first.layer.kw, IC: first.in.channels };
}

/**
 * Filter o of a convolution block's W (C, OC), rows in (i, j, c) order, as an image of KH
 * rows and KW·IC columns (the input channels side by side):
 *   image[i][c·KW + j] = W[((i·KW + j)·IC + c)·OC + o].
 */
export function filterImage(W: Float32Array, OC: number, shape: FilterShape, o: number): Float32Array {
  const { KH, KW, IC } = shape;
  const out = new Float32Array(KH * KW * IC);
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      for (let c = 0; c < IC; c++) out[i * KW * IC + c * KW + j] = W[((i * KW + j) * IC + c) * OC + o];
    }
  }
  return out;
}
