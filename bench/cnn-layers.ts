/**
 * The convolution and pooling layers of a preset at a batch size, as the trainers run them:
 * the resolved network's layers (src/model/network.ts) with each one's geometry and the
 * activation its backward pass multiplies by (the layer before it's).
 */
import type { ConvGeometry } from '../src/cpu/conv.ts';
import type { PoolGeometry } from '../src/cpu/pool.ts';
import { convLayerGeometry } from '../src/layers/conv.ts';
import { moduleOf } from '../src/layers/index.ts';
import type { ResolvedLayer } from '../src/layers/layer.ts';
import { poolLayerGeometry } from '../src/layers/maxpool.ts';
import { resolveNetwork } from '../src/model/network.ts';
import type { Activation, ModelSpec } from '../src/model/spec.ts';

/** The convolutional presets the benchmark measures. */
export const CNN_PRESETS = ['lenet5', 'cnn'] as const;
export type CnnPreset = (typeof CNN_PRESETS)[number];

export type FeatureStage =
  | { name: string; kind: 'conv'; conv: ConvGeometry; act: Activation; first: boolean }
  | { name: string; kind: 'pool'; pool: PoolGeometry; act: Activation; first: boolean };

/**
 * conv 1, pool 1, conv 2, … of `spec` at batch B. `act` is the activation of the layer that
 * produced the stage's input (pooling passes it through); `first` marks the stage that reads the images, which needs no
 * input gradient.
 */
export function convPoolStages(spec: ModelSpec, B: number): FeatureStage[] {
  const { layers } = resolveNetwork(spec);
  // The activation before a stage: the nearest earlier layer's that has one (pooling passes it through).
  const actBefore = (i: number) => layers.slice(0, i).reverse().find((r) => moduleOf(r.layer).activation !== null)?.act ?? spec.activation;
  return layers.flatMap((r): FeatureStage[] => {
    const common = { act: actBefore(r.index), first: r.index === 0 };
    if (r.layer.type === 'conv') return [{ name: `conv ${r.ordinal}`, kind: 'conv', conv: convLayerGeometry(r as ResolvedLayer<'conv'>, B), ...common }];
    if (r.layer.type === 'maxpool') return [{ name: `pool ${r.ordinal}`, kind: 'pool', pool: poolLayerGeometry(r as ResolvedLayer<'maxpool'>, B), ...common }];
    return [];
  });
}

/** "28×28×1 → 28×28×6, 5×5 p2": input and output (H×W×C, channels last) and the window. */
export function describeStage(s: FeatureStage): string {
  if (s.kind === 'conv') {
    const g = s.conv;
    const opts = `${g.stride !== 1 ? ` s${g.stride}` : ''}${g.pad ? ` p${g.pad}` : ''}`;
    return `${g.H}×${g.W}×${g.IC} → ${g.OH}×${g.OW}×${g.OC}, ${g.KH}×${g.KW}${opts}`;
  }
  const g = s.pool;
  const opts = `${g.stride !== g.K ? ` s${g.stride}` : ''}${g.pad ? ` p${g.pad}` : ''}`;
  return `${g.H}×${g.W}×${g.C} → ${g.OH}×${g.OW}×${g.C}, ${g.K}×${g.K}${opts}`;
}
