/**
 * Global average pooling: the mean of each channel over the whole H × W map, output
 * (C, 1, 1) (PyTorch's AdaptiveAvgPool2d(1)); a dense layer after it reads C values. No
 * parameters, no scratch. Token: gap.
 */
import { globalAvgPoolBackward, globalAvgPoolForward } from '../cpu/avgpool.ts';
import { globalAvgPoolBackward as gpuBackward, globalAvgPoolForward as gpuForward } from '../gpu/ops/avgpool.ts';
import { plainInput, type LayerModule } from './layer.ts';

export const globalavgpool: LayerModule<'globalavgpool'> = {
  type: 'globalavgpool',
  syntax: 'gap (global average pooling: the mean of each channel, output C×1×1)',
  activation: null,
  image: true,
  parse: (t) => (t === 'gap' ? { type: 'globalavgpool' } : null),
  text: () => 'gap',
  outShape: (_l, input) => ({ channels: input.channels, height: 1, width: 1 }),
  params: () => null,
  fileWeight: () => null,
  describe: (r) => `global avg-pool ${r.ordinal}: ${r.in.height}×${r.in.width} → 1×1`,
  scratch: () => [],
  cpu: {
    forward(r, io) {
      const { channels: C, height: H, width: W } = r.in;
      globalAvgPoolForward(io.out, io.x, io.B, C, H, W);
    },
    backward(r, io) {
      const { channels: C, height: H, width: W } = r.in;
      if (io.dIn) globalAvgPoolBackward(io.dIn, io.dOut, io.x, io.B, C, H, W, r.prevAct);
    },
  },
  gpu: {
    async forward(c, r, io, tag) {
      const { channels: C, height: H, width: W } = r.in;
      return [await gpuForward(c.k, io.out, plainInput(io.x), io.B, C, H, W, `${tag} gap ${r.ordinal}`)];
    },
    async backward(c, r, io) {
      if (!io.dIn) return [];
      const { channels: C, height: H, width: W } = r.in;
      return [await gpuBackward(c.k, io.dIn, io.dOut, plainInput(io.x), io.B, C, H, W, r.prevAct, `gap ${r.ordinal} backward`)];
    },
  },
};
