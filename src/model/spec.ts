/**
 * What a network is: its input's shape and one ordered list of layers, the default
 * activation of its hidden layers, and the output's loss. The trainers (CPU and GPU), the
 * model files, the page and the bench all walk this one list.
 *
 * Dimension letters used everywhere in wgtrain (src/cpu, src/gpu, shaders/):
 *   B  batch size (rows of a mini-batch)
 *   C  inputs of a layer (columns of X, rows of W)
 *   OC outputs of a layer (columns of W and Y)
 *   K  classes (outputs of the last layer)
 *   P  pixels of one image (rows × cols)
 *
 * Tensors are channels last (NHWC): a sample of shape (C, H, W) stores value (c, y, x) at
 * (y·W + x)·C + c. A dense layer's output is the shape (units, 1, 1), so a dense layer after
 * a convolution reads the (H, W, C) map flattened, and a layer that works per channel
 * (batch normalization) works per unit after a dense layer.
 */

export const ACTIVATIONS = ['identity', 'relu', 'sigmoid', 'tanh', 'softplus', 'step'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ['cross-entropy', 'quadratic'] as const;
export type Loss = (typeof LOSSES)[number];

export const INITS = ['xavier', 'he', 'normal'] as const;
export type Init = (typeof INITS)[number];

/** Channels, height and width of one sample. */
export interface Shape3 {
  channels: number;
  height: number;
  width: number;
}

/**
 * One layer of a network. Each type is one module in src/layers/ (its --arch token, shape
 * rule, parameters, CPU and GPU passes); `activation` absent: the network's hidden
 * activation (the output layer's comes from the loss).
 *   dense:   `units` outputs, each a weighted sum of every input plus a bias
 *   conv:    `filters` kernels of kh × kw over all input channels, stride, zero padding
 *   maxpool: maximum over size × size windows with stride and padding (padding never wins)
 *   avgpool: mean over size × size windows with stride and zero padding, always / size²
 *   globalavgpool: the mean of each channel over the whole map, output (C, 1, 1)
 *   batchnorm: each channel (unit, after a dense layer) normalised over the batch, then
 *            scaled by γ and shifted by β; its activation, if named, comes after (absent:
 *            identity, not the hidden activation, so "conv6k5-bn" is conv → act → BN and
 *            "conv6k5:identity-bn:relu" conv → BN → ReLU)
 */
export type Layer =
  | { type: 'dense'; units: number; activation?: Activation }
  | { type: 'conv'; filters: number; kh: number; kw: number; stride: number; pad: number; activation?: Activation }
  | { type: 'maxpool'; size: number; stride: number; pad: number }
  | { type: 'avgpool'; size: number; stride: number; pad: number }
  | { type: 'globalavgpool' }
  | { type: 'batchnorm'; activation?: Activation };

export type LayerType = Layer['type'];
export type LayerOf<T extends LayerType> = Extract<Layer, { type: T }>;

export interface ModelSpec {
  /** One sample's shape: an image (C, H, W), or (n, 1, 1) for a flat vector of n inputs. */
  input: Shape3;
  /** The layers in order; the last is a dense layer of one unit per class. */
  layers: Layer[];
  /** Activation of every hidden layer that names none of its own. */
  activation: Activation;
  /** cross-entropy: softmax output; quadratic: the output goes through `outputActivation`. */
  loss: Loss;
  /** Output activation for the quadratic cost (Nielsen: sigmoid). Ignored for cross-entropy. */
  outputActivation: Activation;
  init: Init;
}

/** The shape parts of a spec: what --arch describes. */
export type Network = Pick<ModelSpec, 'input' | 'layers'>;

export const shapeSize = (s: Shape3) => s.channels * s.height * s.width;

/** A flat input of n values. */
export const flatShape = (n: number): Shape3 => ({ channels: n, height: 1, width: 1 });

/** Output length of a window of `k` sliding with `stride` over `n` padded by `pad` each side. */
export function outputLength(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/** Values per input sample. */
export function inputSize(spec: Pick<ModelSpec, 'input'>): number {
  return shapeSize(spec.input);
}

/** Classes: the last layer's units. */
export function classCount(spec: Pick<ModelSpec, 'layers'>): number {
  const last = spec.layers[spec.layers.length - 1];
  if (last?.type !== 'dense') throw new Error('A network ends with a dense layer of one unit per class.');
  return last.units;
}
