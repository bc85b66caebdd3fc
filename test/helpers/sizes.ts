/**
 * The dense widths of a network as the specs before the layer list wrote them: the first
 * dense layer's input size, then every dense layer's units ([784, 300, 100, 10]).
 */
import { layerShapes } from '../../src/model/shapes.ts';
import { shapeSize, type Network } from '../../src/model/spec.ts';

export function denseSizes(net: Network): number[] {
  const shapes = layerShapes(net);
  const first = net.layers.findIndex((l) => l.type === 'dense');
  return [shapeSize(shapes[first].in), ...net.layers.flatMap((l) => (l.type === 'dense' ? [l.units] : []))];
}
