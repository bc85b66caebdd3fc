/**
 * Batch normalization per channel (per unit after a dense layer, whose output is
 * (units, 1, 1)), as torch.nn.BatchNorm2d / BatchNorm1d: a training step normalises each
 * channel with the batch's mean and variance over its B·H·W values and moves the running
 * averages; evaluation normalises with the running averages (src/cpu/batchnorm.ts).
 *
 * Its parameter block is [γ; β] (the layout's W of one row, then b: the optimisers treat
 * γ as a weight, L2 included, and β as a bias), starting at γ = 1, β = 0; its state block
 * is (running mean; running variance), starting at 0 and 1. Token: "bn", with an
 * activation of its own after a colon ("bn:relu"); none named is identity, not the hidden
 * activation (see Layer in src/model/spec.ts).
 */
import { batchnormBackward, batchnormForward, batchnormStats } from '../cpu/batchnorm.ts';
import {
  batchnormBackward as gpuBackward, batchnormBackwardUpdate as gpuBackwardUpdate, batchnormForward as gpuForward,
  batchnormStats as gpuStats,
} from '../gpu/ops/batchnorm.ts';
import type { Shape3 } from '../model/spec.ts';
import { plainInput, type LayerModule, type ResolvedLayer } from './layer.ts';

/** Rows (values per channel) and channels at batch size B. */
function sizes(r: ResolvedLayer<'batchnorm'>, B: number): { N: number; C: number } {
  return { N: B * r.in.height * r.in.width, C: r.in.channels };
}

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`Batch normalization needs its ${what}.`);
  return v;
}

export const batchnorm: LayerModule<'batchnorm'> = {
  type: 'batchnorm',
  syntax: 'bn (batch normalization per channel, or per unit after a dense layer)',
  activation: 'identity',
  image: false,
  parse: (t) => (t === 'bn' ? { type: 'batchnorm' } : null),
  text: () => 'bn',
  outShape: (_l, input: Shape3) => input,
  // One value per channel has no unbiased variance: PyTorch refuses to train it, and so do we.
  trainingProblem: (r, B) =>
    B * r.in.height * r.in.width === 1 ? `batch normalization (layer ${r.index + 1}) sees one value per channel at batch size 1: use --batch 2 or more` : null,
  params: (_l, input) => ({ C: 1, fanIn: 1, OC: input.channels, fanOut: 1, constant: { weight: 1, bias: 0 } }),
  state: (_l, input) => ({
    tensors: [
      { name: 'running_mean', length: input.channels, init: 0 },
      { name: 'running_var', length: input.channels, init: 1 },
    ],
  }),
  fileWeight: (r) => ({ shape: [r.in.channels], gather: null }),
  describe: (r) => `batch norm ${r.ordinal}: ${r.in.channels} ${r.in.height * r.in.width === 1 ? 'units' : 'channels'}, ${r.act}`,
  // The batch's (mean; variance), written by a training step's forward pass for its backward pass.
  scratch: (r) => [{ name: 'stats', count: 2 * r.in.channels, kind: 'f32', backwardOnly: true }],
  cpu: {
    forward(r, io) {
      const { N, C } = sizes(r, io.B);
      const params = need(io.params, 'parameters');
      const state = need(io.state, 'running statistics');
      if (!io.training) return batchnormForward(io.out, io.x, params, state, N, C, r.act);
      const stats = io.scratch.stats as Float32Array;
      batchnormStats(stats, state, io.x, N, C);
      batchnormForward(io.out, io.x, params, stats, N, C, r.act);
    },
    backward(r, io) {
      const { N, C } = sizes(r, io.B);
      batchnormBackward(io.dIn, io.grads!, io.x, io.dOut, io.params!, io.scratch.stats as Float32Array, N, C, r.prevAct);
    },
  },
  gpu: {
    async forward(c, r, io, tag) {
      const { N, C } = sizes(r, io.B);
      const x = plainInput(io.x);
      const params = need(io.params, 'parameters');
      const state = need(io.state, 'running statistics');
      const label = `${tag} batchnorm ${r.ordinal}`;
      if (!io.training) return [await gpuForward(c.k, io.out, x, params, state, N, C, r.act, label)];
      const stats = io.scratch.stats;
      return [await gpuStats(c.k, stats, state, x, N, C, `${label} stats`), await gpuForward(c.k, io.out, x, params, stats, N, C, r.act, label)];
    },
    async backward(c, r, io) {
      const { N, C } = sizes(r, io.B);
      const x = plainInput(io.x);
      const label = `batchnorm ${r.ordinal} backward`;
      const stats = io.scratch.stats;
      return [
        c.fuseUpdate
          ? await gpuBackwardUpdate(c.k, io.dIn, io.params!, x, io.dOut, stats, c.opt, N, C, r.prevAct, `${label} + SGD`)
          : await gpuBackward(c.k, io.dIn, io.grads!, x, io.dOut, io.params!, stats, N, C, r.prevAct, label),
      ];
    },
  },
};
