/**
 * A network resolved for training: every layer with its shapes, the activations on both
 * sides of it, its parameter block and its dropout mask number. Both trainers, the page and
 * the bench take their layers from here.
 */
import type { ResolvedLayer } from '../layers/layer.ts';
import { paramLayout } from './layout.ts';
import { type ParamLayout } from './param-block.ts';
import { layerShapes } from './shapes.ts';
import { layerActivation, type ModelSpec } from './spec.ts';

export interface ResolvedNetwork {
  layers: ResolvedLayer[];
  layout: ParamLayout;
}

export function resolveNetwork(spec: ModelSpec): ResolvedNetwork {
  const layout = paramLayout(spec);
  const shapes = layerShapes(spec);
  const last = spec.layers.length - 1;
  const ordinals: Record<string, number> = {};
  let dense = 0;
  const layers: ResolvedLayer[] = [];
  spec.layers.forEach((layer, index) => {
    const isOutput = index === last;
    layers.push({
      layer,
      index,
      ordinal: (ordinals[layer.type] = (ordinals[layer.type] ?? 0) + 1),
      in: shapes[index].in,
      out: shapes[index].out,
      act: layerActivation(spec, index),
      prevAct: index === 0 ? 'identity' : layerActivation(spec, index - 1),
      block: layout.layers.find((b) => b.layer === index) ?? null,
      dropoutLayer: layer.type === 'dense' && !isOutput ? dense : null,
      isOutput,
    });
    if (layer.type === 'dense') dense++;
  });
  return { layers, layout };
}
