/**
 * What a convolutional network computes for one image, layer by layer, and what its first
 * convolution layer has learnt. Computed by the CPU network (src/cpu/network.ts
 * forwardNetwork, the CPU trainer's own forward pass): for one 28×28 image that is a
 * fraction of a millisecond, and it keeps the feature maps of a drawing independent of the
 * GPU, which may be busy training.
 *
 * Feature maps are channels last (NHWC, as everywhere in wgtrain): channel o of a map of
 * shape (H, W, C) is the values at (y·W + x)·C + o.
 */
import { CpuWorkspace, forwardNetwork } from '../../src/cpu/network.ts';
import { moduleOf } from '../../src/layers/index.ts';
import { resolveNetwork } from '../../src/model/network.ts';
import { inputSize, type ModelSpec, type Shape3 } from '../../src/model/spec.ts';
import { heatmapRgba, maxAbs } from './heatmap.ts';

/** Channels drawn per layer at most; wide layers show their first ones. */
const MAX_CHANNELS = 32;

/** One feature layer's output for one image. */
export interface FeatureMap {
  /** "conv 1: 6 filters 5×5, padding 2, relu" */
  label: string;
  shape: Shape3;
  /** (height, width, channels), channels last. */
  values: Float32Array;
}

/** The feature layers' outputs (empty for a dense network) and the last layer's output (logits or activations). */
export interface ForwardResult {
  features: FeatureMap[];
  outputs: Float32Array;
}

/**
 * One image (bytes like MNIST's, scaled to [0, 1] as in training) through the whole network;
 * `state`: the layers' untrained state (batch norm's running statistics), needed by networks
 * that keep any.
 */
export function forwardImage(spec: ModelSpec, params: Float32Array, pixels: Uint8Array, state: Float32Array | null = null): ForwardResult {
  const P = inputSize(spec);
  if (pixels.length !== P) throw new Error(`This network takes ${P} pixels but the image has ${pixels.length}.`);
  const ws = new CpuWorkspace(resolveNetwork(spec), 1);
  ws.x.set(Float32Array.from(pixels, (p) => p / 255));
  forwardNetwork(ws, params, undefined, state);
  // Feature maps: the outputs of the layers that work on images, and of those (batch
  // normalization) that keep an image's shape; not dense layers' vectors.
  const features = ws.net.layers
    .filter((r) => moduleOf(r.layer).image || (r.layer.type !== 'dense' && r.out.height * r.out.width > 1))
    .map((r) => ({ label: moduleOf(r.layer).describe(r as never), shape: r.out, values: ws.out[r.index] }));
  return { features, outputs: ws.output };
}

/** Channel `c` of a feature map, as an H × W image (row-major). */
export function channel(map: FeatureMap, c: number): Float32Array {
  const { channels: C, height: H, width: W } = map.shape;
  const out = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) out[p] = map.values[p * C + c];
  return out;
}

/** A feature layer as the page draws it: its first channels as RGBA images, coloured by web/shared/heatmap.ts. */
export interface FeatureImages {
  label: string;
  shape: Shape3;
  /** One per channel shown (at most MAX_CHANNELS), height × width × 4 bytes each. */
  channels: Uint8ClampedArray<ArrayBuffer>[];
  /** Whether the layer has negative values (drawn red and blue rather than grey). */
  signed: boolean;
}

/**
 * The images of a feature layer, all its channels on one scale (the layer's largest |value|).
 * Made where the forward pass runs (the worker), so the page only puts pixels on canvases.
 */
export function featureImages(map: FeatureMap): FeatureImages {
  const scale = maxAbs(map.values);
  // ReLU maps are ≥ 0 (grey); other activations can be negative (red and blue).
  const signed = map.values.some((v) => v < 0);
  const shown = Math.min(map.shape.channels, MAX_CHANNELS);
  const channels = Array.from({ length: shown }, (_, c) => heatmapRgba(channel(map, c), signed, scale));
  return { label: map.label, shape: map.shape, channels, signed };
}

/** The first convolution layer's kernel shape, or null when the network starts with a dense layer. */
export interface FilterShape {
  KH: number;
  KW: number;
  IC: number;
}

export function firstFilterShape(spec: ModelSpec): FilterShape | null {
  const first = resolveNetwork(spec).layers.find((r) => r.layer.type === 'conv');
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
