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

export interface ModelSpec {
  /** Layer widths, input first: [784, 300, 100, 10]. */
  sizes: number[];
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
  return `${spec.sizes.join('-')} ${spec.activation} hidden, ${out} output, ${spec.loss} loss, ${spec.init} init`;
}
