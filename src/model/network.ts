/**
 * A network resolved for training: every layer with its shapes, the activations on both
 * sides of it, its parameter and state blocks and its dropout mask number. Both trainers, the page and
 * the bench take their layers from here.
 */
import type { ResolvedLayer } from '../layers/layer.ts';
import { paramLayout, stateLayout } from './layout.ts';
import type { ParamLayout, StateLayout } from './param-block.ts';
import { layerShapes } from './shapes.ts';
import { moduleOf } from '../layers/index.ts';
import type { Activation, ModelSpec } from './spec.ts';

/**
 * The activation applied to layer i's output: its own, else what its module says an absent
 * one means (the hidden activation, or identity); the last layer's comes from the loss.
 */
export function layerActivation(spec: ModelSpec, i: number): Activation {
  const layer = spec.layers[i];
  if (i === spec.layers.length - 1) return spec.loss === 'cross-entropy' ? 'identity' : spec.outputActivation;
  const own = 'activation' in layer ? layer.activation : undefined;
  const absent = moduleOf(layer).activation;
  return own ?? (absent === 'hidden' ? spec.activation : 'identity');
}

export interface ResolvedNetwork {
  layers: ResolvedLayer[];
  layout: ParamLayout;
  /** The untrained state's blocks (batch norm's running statistics). */
  state: StateLayout;
}

export function resolveNetwork(spec: ModelSpec): ResolvedNetwork {
  const layout = paramLayout(spec);
  const state = stateLayout(spec);
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
      state: state.layers.find((b) => b.layer === index) ?? null,
      dropoutLayer: layer.type === 'dense' && !isOutput ? dense : null,
      isOutput,
    });
    if (layer.type === 'dense') dense++;
  });
  return { layers, layout, state };
}
