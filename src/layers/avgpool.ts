/**
 * Average pooling over size × size windows with stride and zero padding; every window is
 * divided by size², padding included (PyTorch's AvgPool2d with count_include_pad=True). No
 * parameters, no scratch. Token: avgpoolK[sS][pP], e.g. "avgpool2", "avgpool3s2p1".
 */
import { avgPoolBackward, avgPoolForward } from '../cpu/avgpool.ts';
import { avgPoolBackward as gpuBackward, avgPoolForward as gpuForward } from '../gpu/ops/avgpool.ts';
import { plainInput, type LayerModule, type ResolvedLayer } from './layer.ts';
import { parseWindow, windowDescription, windowGeometry, windowShape, windowText } from './pool-window.ts';

/** The pooling's sizes at batch size B. */
const geometry = (r: Pick<ResolvedLayer<'avgpool'>, 'layer' | 'in'>, B: number) => windowGeometry(r.layer, r.in, B);

export const avgpool: LayerModule<'avgpool'> = {
  type: 'avgpool',
  syntax: 'avgpoolK[sS][pP] (average pooling over K×K windows, stride S (default K), zero padding P counted in the mean)',
  activation: null,
  image: true,
  parse: (t) => {
    const w = parseWindow('avgpool', t);
    return w && { type: 'avgpool', ...w };
  },
  text: (l) => windowText('avgpool', l),
  outShape: windowShape,
  params: () => null,
  fileWeight: () => null,
  describe: (r) => `avg-pool ${r.ordinal}: ${windowDescription(r.layer)}`,
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
