/**
 * Max pooling over size × size windows with stride and padding (padding never wins); the
 * forward pass records each maximum's position (`argmax`), the backward pass routes each
 * output's gradient there. No parameters. Token: poolK[sS][pP], e.g. "pool2", "pool3s2p1".
 */
import { maxPoolBackward, maxPoolForward, type PoolGeometry } from '../cpu/pool.ts';
import { maxPoolBackward as gpuBackward, maxPoolForward as gpuForward } from '../gpu/ops/pool.ts';
import { shapeSize } from '../model/spec.ts';
import { plainInput, type LayerModule, type ResolvedLayer } from './layer.ts';
import { parseWindow, windowDescription, windowGeometry, windowShape, windowText } from './pool-window.ts';

/** The pooling's sizes at batch size B. */
export function poolLayerGeometry(r: Pick<ResolvedLayer<'maxpool'>, 'layer' | 'in'>, B: number): PoolGeometry {
  return windowGeometry(r.layer, r.in, B);
}

export const maxpool: LayerModule<'maxpool'> = {
  type: 'maxpool',
  syntax: 'poolK[sS][pP] (max pooling over K×K windows, stride S (default K), padding P)',
  activation: null,
  image: true,
  parse: (t) => {
    const w = parseWindow('pool', t);
    return w && { type: 'maxpool', ...w };
  },
  text: (l) => windowText('pool', l),
  outShape: windowShape,
  params: () => null,
  fileWeight: () => null,
  describe: (r) => `max-pool ${r.ordinal}: ${windowDescription(r.layer)}`,
  scratch: (r, B) => [{ name: 'argmax', count: B * shapeSize(r.out), kind: 'u32' }],
  cpu: {
    forward(r, io) {
      maxPoolForward(io.out, io.scratch.argmax as Uint32Array, io.x, poolLayerGeometry(r, io.B));
    },
    backward(r, io) {
      if (io.dIn) maxPoolBackward(io.dIn, io.dOut, io.scratch.argmax as Uint32Array, io.x, poolLayerGeometry(r, io.B), r.prevAct);
    },
  },
  gpu: {
    async forward(c, r, io, tag) {
      return [await gpuForward(c.k, io.out, io.scratch.argmax, plainInput(io.x), poolLayerGeometry(r, io.B), `${tag} pool ${r.ordinal}`)];
    },
    async backward(c, r, io) {
      if (!io.dIn) return [];
      return [await gpuBackward(c.k, io.dIn, io.dOut, io.scratch.argmax, plainInput(io.x), poolLayerGeometry(r, io.B), r.prevAct, `pool ${r.ordinal} backward`)];
    },
  },
};
