/**
 * The feature layers (convolutions, max pooling) of a network at a batch size, as both
 * trainers, the page and the benchmark run them: each layer's geometry, its parameter block
 * (convolutions) and the activation of its output.
 */
import { convGeometry, type ConvGeometry } from '../cpu/conv.ts';
import { poolGeometry, type PoolGeometry } from '../cpu/pool.ts';
import { convBlocks, type LayerBlock, type ParamLayout } from './layout.ts';
import { resolveFeatures, shapeSize, type Activation, type ModelSpec, type ResolvedFeature } from './spec.ts';

/**
 * A feature layer (convolution or max pooling) at batch size B: its geometry, its block in
 * the parameter buffer (convolutions), and the activation of its output.
 */
export interface FeatureStage {
  kind: 'conv' | 'pool';
  conv?: ConvGeometry;
  pool?: PoolGeometry;
  block?: LayerBlock;
  /** conv: the hidden activation; pool: identity (it passes its input's activation through). */
  act: Activation;
  outSize: number;
}

/** The feature layers of `spec` at batch size B, with their parameter blocks. */
export function featureStages(spec: ModelSpec, layout: ParamLayout, B: number): FeatureStage[] {
  const blocks = convBlocks(layout);
  let c = 0;
  return resolveFeatures(spec).map((f: ResolvedFeature) => {
    const outSize = shapeSize(f.out);
    if (f.layer.type === 'conv') {
      const { filters, kh, kw, stride, pad } = f.layer;
      const conv = convGeometry(B, f.in.channels, f.in.height, f.in.width, filters, kh, kw, stride, pad);
      return { kind: 'conv', conv, block: blocks[c++], act: spec.activation, outSize };
    }
    const pool = poolGeometry(B, f.in.channels, f.in.height, f.in.width, f.layer.size, f.layer.stride, f.layer.pad);
    return { kind: 'pool', pool, act: 'identity' as Activation, outSize };
  });
}
