/**
 * The --arch text of a network: its input, then its layers in order, joined by "-":
 * "784-300-100-10" or "1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10". Each layer type's
 * token is its module's (src/layers); a layer with an activation may name its own after a
 * colon ("conv6k5p2:tanh", "120:sigmoid"). Errors name the token at fault.
 */
import { LAYER_TABLE, moduleOf } from '../layers/index.ts';
import { isSpatial, layerShapes } from './shapes.ts';
import { ACTIVATIONS, shapeSize, flatShape, type Activation, type Layer, type ModelSpec, type Network, type Shape3 } from './spec.ts';

export const ARCH_HELP =
  'layers joined by "-": the input (784, 28x28 or 1x28x28), then layers: ' +
  LAYER_TABLE.map((m) => m.syntax).join('; ') +
  '; a dense, convolution or batchnorm layer may name its activation after a colon (120:tanh, bn:relu); the last layer is dense, one unit per class; ' +
  'e.g. 784-300-100-10 or 1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10';

const DECIMAL = /^[1-9][0-9]*$/;
const INPUT = /^(?:([1-9][0-9]*)x)?([1-9][0-9]*)x([1-9][0-9]*)$/;

function layerToken(layer: Layer): string {
  const text = moduleOf(layer).text(layer as never);
  return 'activation' in layer && layer.activation ? `${text}:${layer.activation}` : text;
}

/** The architecture in --arch syntax. */
export function architectureText(net: Network): string {
  const { channels, height, width } = net.input;
  const input = isSpatial(net) ? `${channels}x${height}x${width}` : String(shapeSize(net.input));
  return [input, ...net.layers.map(layerToken)].join('-');
}

export function describeModel(spec: ModelSpec): string {
  const out = spec.loss === 'cross-entropy' ? 'softmax' : spec.outputActivation;
  return `${architectureText(spec)} ${spec.activation} hidden, ${out} output, ${spec.loss} loss, ${spec.init} init`;
}

/** One token as a layer, or a reason it is none. */
function parseToken(token: string): Layer | string {
  const [base, act, ...more] = token.split(':');
  for (const m of LAYER_TABLE) {
    const layer = m.parse(base);
    if (!layer) continue;
    if (act === undefined) return layer;
    if (m.activation === null) return `a ${m.type} layer has no activation of its own`;
    if (more.length) return 'a layer takes one activation after a colon';
    if (!(ACTIVATIONS as readonly string[]).includes(act)) return `"${act}" is not an activation (${ACTIVATIONS.join(', ')})`;
    return { ...layer, activation: act as Activation } as Layer;
  }
  if (token === '') return 'an empty layer (a "-" at the end, or two in a row)';
  const word = /^[a-z]+/.exec(base)?.[0];
  const family = word && LAYER_TABLE.find((m) => m.syntax.startsWith(word));
  return family ? `this layer is not in the form ${family.syntax.split(' ')[0]}` : 'not a layer';
}

/**
 * Parses --arch into the input's shape and the layers, checking every layer's shape rule
 * against its input; a dense network's input is flat, (n, 1, 1).
 */
export function parseNetwork(text: string): Network {
  const tokens = text.split('-').map((s) => s.trim());
  const bad = (token: string, why: string) => new Error(`Architecture "${text}", token "${token}": ${why}. Expected ${ARCH_HELP}.`);
  if (tokens.length < 2) throw new Error(`Architecture "${text}" needs at least an input and an output. Expected ${ARCH_HELP}.`);
  const layers: Layer[] = [];
  for (const t of tokens.slice(1)) {
    const layer = parseToken(t);
    if (typeof layer === 'string') throw bad(t, layer);
    layers.push(layer);
  }
  const firstDense = layers.findIndex((l) => l.type === 'dense');
  const spatialAfter = layers.findIndex((l, i) => firstDense >= 0 && i > firstDense && moduleOf(l).image);
  if (spatialAfter >= 0) throw bad(tokens[spatialAfter + 1], 'convolution and pooling layers must come before the dense layers');
  if (layers[layers.length - 1].type !== 'dense') throw bad(tokens[tokens.length - 1], 'the network must end with a dense layer of one unit per class');
  const first = tokens[0];
  const m = INPUT.exec(first);
  const spatial = isSpatial({ layers });
  let input: Shape3;
  if (m) {
    input = { channels: m[1] ? Number(m[1]) : 1, height: Number(m[2]), width: Number(m[3]) };
    if (!spatial) input = flatShape(shapeSize(input));
  } else if (!DECIMAL.test(first)) {
    throw bad(first, spatial ? 'a network with convolution layers needs its input as HxW or CxHxW (or a square number of pixels)' : 'the input is not a positive whole number or CxHxW');
  } else if (!spatial) {
    input = flatShape(Number(first));
  } else if (Number.isInteger(Math.sqrt(Number(first)))) {
    const side = Math.sqrt(Number(first));
    input = { channels: 1, height: side, width: side };
  } else {
    throw bad(first, 'a network with convolution layers needs its input as HxW or CxHxW (or a square number of pixels)');
  }
  layerShapes({ input, layers }, (i, why) => bad(tokens[i + 1], why));
  return { input, layers };
}

/** A network of dense layers only, widths input first: [784, 300, 100, 10]. */
export function denseNetwork(sizes: readonly number[]): Network {
  return { input: flatShape(sizes[0]), layers: sizes.slice(1).map((units) => ({ type: 'dense' as const, units })) };
}
