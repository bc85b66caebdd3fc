/**
 * What a network is: dense layers, the activation of the hidden layers, the output's loss.
 *
 * Dimension letters used everywhere in wgtrain (src/cpu, src/gpu, shaders/):
 *   B  batch size (rows of a mini-batch)
 *   C  inputs of a layer (columns of X, rows of W)
 *   OC outputs of a layer (columns of W and Y)
 *   K  classes (outputs of the last layer)
 *   P  pixels of one image (rows × cols)
 */

export const ACTIVATIONS = ['identity', 'relu', 'sigmoid', 'tanh', 'softplus', 'step'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Numeric codes shared with the WGSL kernels' ACT override constant. */
export const ACTIVATION_CODE: Record<Activation, number> = {
  identity: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  softplus: 4,
  step: 5,
};

export const LOSSES = ['cross-entropy', 'quadratic'] as const;
export type Loss = (typeof LOSSES)[number];

export const INITS = ['xavier', 'he', 'normal'] as const;
export type Init = (typeof INITS)[number];

/**
 * A layer of the convolutional front of a network (before the dense layers).
 *   conv: `filters` kernels of kh × kw over all input channels, stride, zero padding;
 *         the hidden activation applied to its output (fused into the forward kernel).
 *   pool: max pooling over size × size windows with stride and padding (padding never wins).
 * Flattening (C, H, W) into C·H·W inputs of the first dense layer is implicit.
 */
export type FeatureLayer =
  | { type: 'conv'; filters: number; kh: number; kw: number; stride: number; pad: number }
  | { type: 'pool'; size: number; stride: number; pad: number };

/** Channels, height and width of an image tensor (one sample). */
export interface Shape3 {
  channels: number;
  height: number;
  width: number;
}

export interface ModelSpec {
  /**
   * Dense layer widths, input first: [784, 300, 100, 10]. With `features`, sizes[0] is the
   * flattened output of the last feature layer.
   */
  sizes: number[];
  /** The input image's shape, for networks with `features` (absent: a flat vector of sizes[0]). */
  input?: Shape3;
  /** Convolution and pooling layers in front of the dense layers (absent or empty: a dense network). */
  features?: FeatureLayer[];
  /** Activation of every hidden layer. */
  activation: Activation;
  /** cross-entropy: softmax output; quadratic: the output goes through `outputActivation`. */
  loss: Loss;
  /** Output activation for the quadratic cost (Nielsen: sigmoid). Ignored for cross-entropy. */
  outputActivation: Activation;
  init: Init;
}

/** Parses "784-300-100-10" into [784, 300, 100, 10]. */
export function parseArchitecture(text: string): number[] {
  const parts = text.split('-').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (sizes.length < 2 || sizes.some((n, i) => !/^\d+$/.test(parts[i]) || !Number.isSafeInteger(n) || n < 1)) {
    throw new Error(
      `Architecture "${text}" is not a list of at least two positive whole numbers joined by "-", ` +
        `for example 784-300-100-10.`,
    );
  }
  return sizes;
}

/** The activation applied to each layer's output, layer by layer. */
export function layerActivations(spec: ModelSpec): Activation[] {
  const n = spec.sizes.length - 1;
  return Array.from({ length: n }, (_, l) =>
    l < n - 1 ? spec.activation : spec.loss === 'cross-entropy' ? 'identity' : spec.outputActivation,
  );
}

export function describeModel(spec: ModelSpec): string {
  const out = spec.loss === 'cross-entropy' ? 'softmax' : spec.outputActivation;
  return `${architectureText(spec)} ${spec.activation} hidden, ${out} output, ${spec.loss} loss, ${spec.init} init`;
}

// ---- convolutional networks ------------------------------------------------------------

/** Output length of a window of `k` sliding with `stride` over `n` padded by `pad` each side. */
export function outputLength(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/** One feature layer with the shapes it maps between. */
export interface ResolvedFeature {
  layer: FeatureLayer;
  in: Shape3;
  out: Shape3;
}

/** The feature layers with their input and output shapes (empty for a dense network). */
export function resolveFeatures(spec: Pick<ModelSpec, 'input' | 'features'>): ResolvedFeature[] {
  const features = spec.features ?? [];
  if (features.length === 0) return [];
  if (!spec.input) throw new Error('A network with convolution or pooling layers needs its input shape (channels × height × width).');
  const out: ResolvedFeature[] = [];
  let shape = spec.input;
  for (const layer of features) {
    const next =
      layer.type === 'conv'
        ? { channels: layer.filters, height: outputLength(shape.height, layer.kh, layer.stride, layer.pad), width: outputLength(shape.width, layer.kw, layer.stride, layer.pad) }
        : { channels: shape.channels, height: outputLength(shape.height, layer.size, layer.stride, layer.pad), width: outputLength(shape.width, layer.size, layer.stride, layer.pad) };
    out.push({ layer, in: shape, out: next });
    shape = next;
  }
  return out;
}

export const shapeSize = (s: Shape3) => s.channels * s.height * s.width;

/** Pixels per input sample: the image (channels × height × width) or sizes[0]. */
export function inputSize(spec: Pick<ModelSpec, 'input' | 'features' | 'sizes'>): number {
  return spec.features?.length && spec.input ? shapeSize(spec.input) : spec.sizes[0];
}

function layerText(l: FeatureLayer): string {
  if (l.type === 'pool') return `pool${l.size}${l.stride !== l.size ? `s${l.stride}` : ''}${l.pad ? `p${l.pad}` : ''}`;
  const k = l.kh === l.kw ? `${l.kh}` : `${l.kh}x${l.kw}`;
  return `conv${l.filters}k${k}${l.stride !== 1 ? `s${l.stride}` : ''}${l.pad ? `p${l.pad}` : ''}`;
}

/** The architecture in --arch syntax: 784-300-100-10, or 1x28x28-conv6k5p2-pool2-…-10. */
export function architectureText(spec: Pick<ModelSpec, 'input' | 'features' | 'sizes'>): string {
  if (!spec.features?.length || !spec.input) return spec.sizes.join('-');
  const { channels, height, width } = spec.input;
  return [`${channels}x${height}x${width}`, ...spec.features.map(layerText), ...spec.sizes.slice(1)].join('-');
}

export const ARCH_HELP =
  'layers joined by "-": the input (784, 28x28 or 1x28x28), then any convolution (convFkK[sS][pP]: F filters of K×K ' +
  'or KxK2, stride S, zero padding P) and max-pooling (poolK[sS][pP]: K×K windows, stride S (default K), padding P) ' +
  'layers, then dense widths; e.g. 784-300-100-10 or 1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10';

const DECIMAL = /^[1-9][0-9]*$/;
const CONV = /^conv([1-9][0-9]*)k([1-9][0-9]*)(?:x([1-9][0-9]*))?(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$/;
const POOL = /^pool([1-9][0-9]*)(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$/;
const INPUT = /^(?:([1-9][0-9]*)x)?([1-9][0-9]*)x([1-9][0-9]*)$/;

/**
 * Parses --arch: "784-300-100-10" (dense) or "1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10".
 * Errors name the token at fault and what it would have needed.
 */
export function parseNetwork(text: string): Pick<ModelSpec, 'sizes' | 'input' | 'features'> {
  const tokens = text.split('-').map((s) => s.trim());
  const bad = (token: string, why: string) => new Error(`Architecture "${text}", token "${token}": ${why}. Expected ${ARCH_HELP}.`);
  if (tokens.length < 2) throw new Error(`Architecture "${text}" needs at least an input and an output. Expected ${ARCH_HELP}.`);
  const features: FeatureLayer[] = [];
  const dense: number[] = [];
  for (const [i, t] of tokens.entries()) {
    if (i === 0) continue;
    const conv = CONV.exec(t);
    const pool = POOL.exec(t);
    if (conv || pool) {
      if (dense.length) throw bad(t, 'convolution and pooling layers must come before the dense layers');
      if (conv) {
        const kh = Number(conv[2]);
        const kw = conv[3] ? Number(conv[3]) : kh;
        features.push({ type: 'conv', filters: Number(conv[1]), kh, kw, stride: conv[4] ? Number(conv[4]) : 1, pad: conv[5] ? Number(conv[5]) : 0 });
      } else {
        const size = Number(pool![1]);
        features.push({ type: 'pool', size, stride: pool![2] ? Number(pool![2]) : size, pad: pool![3] ? Number(pool![3]) : 0 });
      }
    } else if (DECIMAL.test(t)) {
      dense.push(Number(t));
    } else {
      throw bad(t, t === '' ? 'an empty layer (a "-" at the end, or two in a row)' : /^(conv|pool)/.test(t) ? 'this layer is not in the form convFkK[sS][pP] or poolK[sS][pP]' : 'not a layer');
    }
  }
  if (dense.length === 0) throw bad(tokens[tokens.length - 1], 'the network must end with a dense layer of one unit per class');
  const first = tokens[0];
  const inputMatch = INPUT.exec(first);
  if (!features.length) {
    if (inputMatch) {
      const [c, h, w] = [inputMatch[1] ? Number(inputMatch[1]) : 1, Number(inputMatch[2]), Number(inputMatch[3])];
      return { sizes: [c * h * w, ...dense] };
    }
    if (!DECIMAL.test(first)) throw bad(first, 'the input is not a positive whole number or CxHxW');
    return { sizes: [Number(first), ...dense] };
  }
  let input: Shape3;
  if (inputMatch) {
    input = { channels: inputMatch[1] ? Number(inputMatch[1]) : 1, height: Number(inputMatch[2]), width: Number(inputMatch[3]) };
  } else if (DECIMAL.test(first) && Number.isInteger(Math.sqrt(Number(first)))) {
    const side = Math.sqrt(Number(first));
    input = { channels: 1, height: side, width: side };
  } else {
    throw bad(first, 'a network with convolution layers needs its input as HxW or CxHxW (or a square number of pixels)');
  }
  let shape = input;
  for (const [i, layer] of features.entries()) {
    const token = tokens[i + 1];
    const [kh, kw] = layer.type === 'conv' ? [layer.kh, layer.kw] : [layer.size, layer.size];
    if (layer.pad >= Math.max(kh, kw) && layer.type === 'pool') throw bad(token, `pooling padding ${layer.pad} must be smaller than the window ${layer.size}`);
    const h = outputLength(shape.height, kh, layer.stride, layer.pad);
    const w = outputLength(shape.width, kw, layer.stride, layer.pad);
    if (h < 1 || w < 1) {
      throw bad(token, `its ${kh}×${kw} window does not fit its ${shape.height}×${shape.width} input with padding ${layer.pad}: the output would be smaller than 1×1`);
    }
    shape = { channels: layer.type === 'conv' ? layer.filters : shape.channels, height: h, width: w };
  }
  return { input, features, sizes: [shapeSize(shape), ...dense] };
}
