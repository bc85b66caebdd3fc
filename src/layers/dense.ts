/**
 * A dense (fully connected) layer: out = act(x·W + b) over the flattened input. Its block is
 * W (C, OC) then b (OC). Token: the number of units, "120" (or "120:tanh").
 */
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../cpu/matmul.ts';
import {
  matmulBackwardInput as gpuBackwardInput, matmulBackwardWeight as gpuBackwardWeight, matmulBackwardWeightUpdate as gpuBackwardWeightUpdate,
  matmulForward as gpuForward,
} from '../gpu/ops/matmul.ts';
import { shapeSize, flatShape } from '../model/spec.ts';
import type { LayerModule } from './layer.ts';

const UNITS = /^[1-9][0-9]*$/;

export const dense: LayerModule<'dense'> = {
  type: 'dense',
  syntax: 'N (N units)',
  activation: 'hidden',
  image: false,
  parse: (t) => (UNITS.test(t) ? { type: 'dense', units: Number(t) } : null),
  text: (l) => String(l.units),
  outShape: (l) => flatShape(l.units),
  params: (l, input) => ({ C: shapeSize(input), fanIn: shapeSize(input), OC: l.units, fanOut: l.units }),
  fileWeight(r) {
    const OC = r.layer.units;
    const { channels: C, height: H, width: W } = r.in;
    if (H * W === 1) return { shape: [C, OC], gather: null };
    // After a convolution or pooling: file rows in PyTorch's flatten order (c, h, w), engine
    // rows channels last (h, w, c).
    const gather = new Uint32Array(C * H * W * OC);
    for (let ch = 0; ch < C; ch++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const fileRow = (ch * H + h) * W + w;
          const engineRow = (h * W + w) * C + ch;
          for (let o = 0; o < OC; o++) gather[fileRow * OC + o] = engineRow * OC + o;
        }
      }
    }
    return { shape: [C * H * W, OC], gather };
  },
  describe: (r) => `dense ${r.ordinal}: ${r.layer.units} units, ${r.act}`,
  scratch: () => [],
  cpu: {
    forward(r, io) {
      matmulForward(io.out, io.x, io.params!, io.B, shapeSize(r.in), r.layer.units, r.act);
    },
    backward(r, io) {
      const C = shapeSize(r.in);
      if (io.dIn) matmulBackwardInput(io.dIn, io.dOut, io.params!, io.x, io.B, C, r.layer.units, r.prevAct);
      matmulBackwardWeight(io.grads!, io.x, io.dOut, io.B, C, r.layer.units);
    },
  },
  gpu: {
    async forward(c, r, io, tag) {
      return [await gpuForward(c.k, c.variant, io.out, io.x, io.params!, io.B, shapeSize(r.in), r.layer.units, r.act, `${tag} forward ${r.ordinal}`)];
    },
    async backward(c, r, io, inputGradient) {
      const C = shapeSize(r.in);
      const OC = r.layer.units;
      const n = r.ordinal;
      const out = [];
      if (io.dIn && inputGradient) {
        if ('bytes' in io.x) throw new Error('A byte input batch has no gradient.');
        const label = n === 1 ? `backward input dense 1` : `backward input ${n}`; // dense 1 has an input gradient after a convolution or pooling only
        out.push(await gpuBackwardInput(c.k, c.variant, io.dIn, io.dOut, io.params!, io.x, io.B, C, OC, r.prevAct, label));
      }
      out.push(
        c.fuseUpdate
          ? await gpuBackwardWeightUpdate(c.k, c.variant, io.params!, io.x, io.dOut, c.opt, io.B, C, OC, `backward weight + SGD ${n}`)
          : await gpuBackwardWeight(c.k, c.variant, io.grads!, io.x, io.dOut, io.B, C, OC, `backward weight ${n}`),
      );
      return out;
    },
  },
};
