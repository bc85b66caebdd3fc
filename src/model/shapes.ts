/** Each layer's input and output shape, by its module's shape rule. */
import { moduleOf } from '../layers/index.ts';
import type { Network, Shape3 } from './spec.ts';

export interface LayerShape {
  in: Shape3;
  out: Shape3;
}

/** Whether any layer works on images (its module says): the input is then an image. */
export function isSpatial(net: Pick<Network, 'layers'>): boolean {
  return net.layers.some((l) => moduleOf(l).image);
}

/** The shapes layer by layer; a layer whose input does not fit throws fail(its index, why). */
export function layerShapes(
  net: Network,
  fail: (index: number, why: string) => Error = (i, why) => new Error(`Layer ${i + 1} of the network: ${why}.`),
): LayerShape[] {
  let shape = net.input;
  return net.layers.map((layer, i) => {
    const out = moduleOf(layer).outShape(layer as never, shape);
    if (out instanceof Error) throw fail(i, out.message);
    const s = { in: shape, out };
    shape = out;
    return s;
  });
}
