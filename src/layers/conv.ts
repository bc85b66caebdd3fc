/**
 * A 2D convolution layer (cross-correlation, as every framework's), channels last, computed
 * as im2col then the dense matmuls (src/cpu/conv.ts, src/gpu/ops conv), or on the GPU with
 * the vec4 variant, where it fits, as conv_gemm without the im2col matrix (runsImplicit). Its block is W with
 * C = KH·KW·IC rounded up to a multiple of 4 rows in (i, j, c) order, then b (OC).
 * Token: convFkK[xK2][sS][pP], e.g. "conv6k5p2" (or "conv6k5p2:tanh").
 */
import { colShape, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, convGeometry, type ConvGeometry } from '../cpu/conv.ts';
import {
  conv2dBackwardInput as gpuBackwardInput, conv2dBackwardInputImplicit, conv2dBackwardWeight as gpuBackwardWeight,
  conv2dBackwardWeightImplicit, conv2dBackwardWeightUpdate as gpuBackwardWeightUpdate, conv2dForward as gpuForward,
  conv2dForwardImplicit, runsImplicit,
} from '../gpu/ops/conv.ts';
import { outputLength, type LayerOf, type Shape3 } from '../model/spec.ts';
import { plainInput, type LayerModule, type ResolvedLayer, type ScratchSpec } from './layer.ts';

const TOKEN = /^conv([1-9][0-9]*)k([1-9][0-9]*)(?:x([1-9][0-9]*))?(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$/;

/** The convolution's sizes at batch size B. */
export function convLayerGeometry(r: Pick<ResolvedLayer<'conv'>, 'layer' | 'in'>, B: number): ConvGeometry {
  const { filters, kh, kw, stride, pad } = r.layer;
  return convGeometry(B, r.in.channels, r.in.height, r.in.width, filters, kh, kw, stride, pad);
}

const padTo4 = (n: number) => Math.ceil(n / 4) * 4;

function outShape(l: LayerOf<'conv'>, input: Shape3): Shape3 | Error {
  const height = outputLength(input.height, l.kh, l.stride, l.pad);
  const width = outputLength(input.width, l.kw, l.stride, l.pad);
  if (height < 1 || width < 1) {
    return new Error(`its ${l.kh}×${l.kw} window does not fit its ${input.height}×${input.width} input with padding ${l.pad}: the output would be smaller than 1×1`);
  }
  return { channels: l.filters, height, width };
}

export const conv: LayerModule<'conv'> = {
  type: 'conv',
  syntax: 'convFkK[sS][pP] (F filters of K×K or KxK2, stride S, zero padding P)',
  activation: 'hidden',
  image: true,
  parse(t) {
    const m = TOKEN.exec(t);
    if (!m) return null;
    const kh = Number(m[2]);
    return { type: 'conv', filters: Number(m[1]), kh, kw: m[3] ? Number(m[3]) : kh, stride: m[4] ? Number(m[4]) : 1, pad: m[5] ? Number(m[5]) : 0 };
  },
  text(l) {
    const k = l.kh === l.kw ? `${l.kh}` : `${l.kh}x${l.kw}`;
    return `conv${l.filters}k${k}${l.stride !== 1 ? `s${l.stride}` : ''}${l.pad ? `p${l.pad}` : ''}`;
  },
  outShape,
  params(l, input) {
    const fanIn = input.channels * l.kh * l.kw;
    return { C: padTo4(fanIn), fanIn, OC: l.filters, fanOut: l.filters * l.kh * l.kw };
  },
  fileWeight(r) {
    // File (OC, IC, KH, KW), exactly torch.nn.Conv2d's weight ← engine W[(i·KW + j)·IC + c, o].
    const l = r.layer;
    const IC = r.in.channels;
    const gather = new Uint32Array(l.filters * IC * l.kh * l.kw);
    for (let o = 0; o < l.filters; o++) {
      for (let ch = 0; ch < IC; ch++) {
        for (let i = 0; i < l.kh; i++) {
          for (let j = 0; j < l.kw; j++) gather[((o * IC + ch) * l.kh + i) * l.kw + j] = ((i * l.kw + j) * IC + ch) * l.filters + o;
        }
      }
    }
    return { shape: [l.filters, IC, l.kh, l.kw], gather };
  },
  describe(r) {
    const l = r.layer;
    const extra = `${l.stride !== 1 ? `, stride ${l.stride}` : ''}${l.pad ? `, padding ${l.pad}` : ''}`;
    return `conv ${r.ordinal}: ${l.filters} filters ${l.kh}×${l.kw}${extra}, ${r.act}`;
  },
  scratch(r, B, variant) {
    const g = convLayerGeometry(r, B);
    // Without im2col, only the input gradient's flipped weights (one buffer for all layers).
    if (variant && runsImplicit(variant, g)) return r.index > 0 ? [{ name: 'flipped', count: g.IC * g.KH * g.KW * g.OC, kind: 'f32', shared: true, backwardOnly: true }] : [];
    const { rows, cols } = colShape(g);
    // cols: the im2col matrix the forward pass fills and the weight gradient reads; dCol:
    // its gradient, scratch of the input gradient, shared by every convolution but the first.
    const out: ScratchSpec[] = [{ name: 'cols', count: rows * cols, kind: 'f32' }];
    if (r.index > 0) out.push({ name: 'dCol', count: rows * cols, kind: 'f32', shared: true, backwardOnly: true });
    return out;
  },
  cpu: {
    forward(r, io) {
      conv2dForward(io.out, io.scratch.cols as Float32Array, io.x, io.params!, convLayerGeometry(r, io.B), r.act);
    },
    backward(r, io) {
      const g = convLayerGeometry(r, io.B);
      if (io.dIn) conv2dBackwardInput(io.dIn, io.scratch.dCol as Float32Array, io.dOut, io.params!, io.x, g, r.prevAct);
      conv2dBackwardWeight(io.grads!, io.scratch.cols as Float32Array, io.dOut, g);
    },
  },
  gpu: {
    forward(c, r, io, tag) {
      const g = convLayerGeometry(r, io.B);
      if (runsImplicit(c.variant, g)) return conv2dForwardImplicit(c.k, c.variant, io.out, plainInput(io.x), io.params!, g, r.act, `${tag} conv ${r.ordinal}`);
      return gpuForward(c.k, c.variant, io.out, io.scratch.cols, plainInput(io.x), io.params!, g, r.act, `${tag} conv ${r.ordinal}`);
    },
    async backward(c, r, io) {
      const g = convLayerGeometry(r, io.B);
      const n = r.ordinal;
      const x = plainInput(io.x);
      const implicit = runsImplicit(c.variant, g);
      const out = [];
      // The input gradient reads W before a fused update changes it.
      if (io.dIn) {
        out.push(
          ...(implicit
            ? await conv2dBackwardInputImplicit(c.k, c.variant, io.dIn, io.scratch.flipped, io.dOut, io.params!, x, g, r.prevAct, `conv ${n} backward input`)
            : await gpuBackwardInput(c.k, c.variant, io.dIn, io.scratch.dCol, io.dOut, io.params!, x, g, r.prevAct, `conv ${n} backward input`)),
        );
      }
      const label = `conv ${n} backward weight${c.fuseUpdate ? ' + SGD' : ''}`;
      if (implicit) {
        const [target, mode] = c.fuseUpdate ? [io.params!, 3 as const] : [io.grads!, 2 as const];
        out.push(...(await conv2dBackwardWeightImplicit(c.k, c.variant, target, x, io.dOut, c.opt, g, mode, label)));
      } else {
        out.push(
          ...(c.fuseUpdate
            ? await gpuBackwardWeightUpdate(c.k, c.variant, io.params!, io.scratch.cols, io.dOut, c.opt, g, label)
            : await gpuBackwardWeight(c.k, c.variant, io.grads!, io.scratch.cols, io.dOut, c.opt, g, label)),
        );
      }
      return out;
    },
  },
};
