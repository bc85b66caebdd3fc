/**
 * The convolution and pooling layers of a preset at a batch size, as the trainers run them:
 * each feature layer's geometry (src/model/stages.ts featureStages)
 * and the activation of the layer before it (what a backward pass multiplies by).
 */
import type { ConvGeometry } from '../src/cpu/conv.ts';
import type { PoolGeometry } from '../src/cpu/pool.ts';
import { paramLayout } from '../src/model/layout.ts';
import type { Activation, ModelSpec } from '../src/model/spec.ts';
import { featureStages } from '../src/model/stages.ts';

/** The convolutional presets the benchmark measures. */
export const CNN_PRESETS = ['lenet5', 'cnn'] as const;
export type CnnPreset = (typeof CNN_PRESETS)[number];

export type FeatureStage =
  | { name: string; kind: 'conv'; conv: ConvGeometry; act: Activation; first: boolean }
  | { name: string; kind: 'pool'; pool: PoolGeometry; act: Activation; first: boolean };

/**
 * conv 1, pool 1, conv 2, … of `spec` at batch B. `act` is the activation of the layer that
 * produced the stage's input (the hidden activation: pooling passes it through); `first`
 * marks the stage that reads the images, which needs no input gradient.
 */
export function convPoolStages(spec: ModelSpec, B: number): FeatureStage[] {
  let convs = 0;
  let pools = 0;
  return featureStages(spec, paramLayout(spec), B).map((s, i) => {
    const first = i === 0;
    const act = spec.activation;
    return s.conv
      ? { name: `conv ${++convs}`, kind: 'conv', conv: s.conv, act, first }
      : { name: `pool ${++pools}`, kind: 'pool', pool: s.pool!, act, first };
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
