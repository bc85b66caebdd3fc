/**
 * Max pooling over size × size windows with stride and padding (padding never wins); the
 * forward pass records each maximum's position (`argmax`), the backward pass routes each
 * output's gradient there. No parameters. Token: poolK[sS][pP], e.g. "pool2", "pool3s2p1".
 */
import { maxPoolBackward, maxPoolForward, poolGeometry, type PoolGeometry } from '../cpu/pool.ts';
import { maxPoolBackward as gpuBackward, maxPoolForward as gpuForward } from '../gpu/ops/pool.ts';
import { outputLength, shapeSize } from '../model/spec.ts';
import { plainInput, type LayerModule, type ResolvedLayer } from './layer.ts';

const TOKEN = /^pool([1-9][0-9]*)(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$/;

/** The pooling's sizes at batch size B. */
export function poolLayerGeometry(r: Pick<ResolvedLayer<'maxpool'>, 'layer' | 'in'>, B: number): PoolGeometry {
  const { size, stride, pad } = r.layer;
  return poolGeometry(B, r.in.channels, r.in.height, r.in.width, size, stride, pad);
}

export const maxpool: LayerModule<'maxpool'> = {
  type: 'maxpool',
  syntax: 'poolK[sS][pP] (max pooling over K×K windows, stride S (default K), padding P)',
  activation: null,
  image: true,
  parse(t) {
    const m = TOKEN.exec(t);
    if (!m) return null;
    const size = Number(m[1]);
    return { type: 'maxpool', size, stride: m[2] ? Number(m[2]) : size, pad: m[3] ? Number(m[3]) : 0 };
  },
  text: (l) => `pool${l.size}${l.stride !== l.size ? `s${l.stride}` : ''}${l.pad ? `p${l.pad}` : ''}`,
  outShape(l, input) {
    if (l.pad >= l.size) return new Error(`pooling padding ${l.pad} must be smaller than the window ${l.size}`);
    const height = outputLength(input.height, l.size, l.stride, l.pad);
    const width = outputLength(input.width, l.size, l.stride, l.pad);
    if (height < 1 || width < 1) {
      return new Error(`its ${l.size}×${l.size} window does not fit its ${input.height}×${input.width} input with padding ${l.pad}: the output would be smaller than 1×1`);
    }
    return { channels: input.channels, height, width };
  },
  params: () => null,
  fileWeight: () => null,
  describe(r) {
    const l = r.layer;
    return `max-pool ${r.ordinal}: ${l.size}×${l.size}${l.stride !== l.size ? `, stride ${l.stride}` : ''}${l.pad ? `, padding ${l.pad}` : ''}`;
  },
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
