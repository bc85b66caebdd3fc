/**
 * Average pooling over size × size windows with stride and zero padding; every window is
 * divided by size², padding included (PyTorch's AvgPool2d with count_include_pad=True). No
 * parameters, no scratch. Token: avgpoolK[sS][pP], e.g. "avgpool2", "avgpool3s2p1".
 */
import { avgPoolBackward, avgPoolForward } from '../cpu/avgpool.ts';
import { poolGeometry, type PoolGeometry } from '../cpu/pool.ts';
import { avgPoolBackward as gpuBackward, avgPoolForward as gpuForward } from '../gpu/ops/avgpool.ts';
import { outputLength } from '../model/spec.ts';
import { plainInput, type LayerModule, type ResolvedLayer } from './layer.ts';

const TOKEN = /^avgpool([1-9][0-9]*)(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$/;

/** The pooling's sizes at batch size B. */
function geometry(r: Pick<ResolvedLayer<'avgpool'>, 'layer' | 'in'>, B: number): PoolGeometry {
  const { size, stride, pad } = r.layer;
  return poolGeometry(B, r.in.channels, r.in.height, r.in.width, size, stride, pad);
}

export const avgpool: LayerModule<'avgpool'> = {
  type: 'avgpool',
  syntax: 'avgpoolK[sS][pP] (average pooling over K×K windows, stride S (default K), zero padding P counted in the mean)',
  activation: null,
  image: true,
  parse(t) {
    const m = TOKEN.exec(t);
    if (!m) return null;
    const size = Number(m[1]);
    return { type: 'avgpool', size, stride: m[2] ? Number(m[2]) : size, pad: m[3] ? Number(m[3]) : 0 };
  },
  text: (l) => `avgpool${l.size}${l.stride !== l.size ? `s${l.stride}` : ''}${l.pad ? `p${l.pad}` : ''}`,
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
    return `avg-pool ${r.ordinal}: ${l.size}×${l.size}${l.stride !== l.size ? `, stride ${l.stride}` : ''}${l.pad ? `, padding ${l.pad}` : ''}`;
  },
  scratch: () => [],
  cpu: {
    forward(r, io) {
      avgPoolForward(io.out, io.x, geometry(r, io.B));
    },
    backward(r, io) {
      if (io.dIn) avgPoolBackward(io.dIn, io.dOut, io.x, geometry(r, io.B), r.prevAct);
    },
  },
  gpu: {
    async forward(c, r, io, tag) {
      return [await gpuForward(c.k, io.out, plainInput(io.x), geometry(r, io.B), `${tag} avgpool ${r.ordinal}`)];
    },
    async backward(c, r, io) {
      if (!io.dIn) return [];
      return [await gpuBackward(c.k, io.dIn, io.dOut, plainInput(io.x), geometry(r, io.B), r.prevAct, `avgpool ${r.ordinal} backward`)];
    },
  },
};
