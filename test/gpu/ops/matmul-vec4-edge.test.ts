/**
 * matmul_vec4_edge: the vec4 variant's forward pass and weight gradient on outputs whose
 * width is not a multiple of 4 (a convolution's 6 output channels), which fell back to
 * matmul_blocked before. Which kernel vec4 runs for each shape, then the kernel against the
 * CPU reference in the roles it takes (forward with each activation, with its invocations
 * along M for many rows; weight gradient, weight gradient with the SGD step; split over k)
 * on odd batch sizes, widths 1, 5, 6, 7 and 10, and batch 1. Outputs are poisoned (NaN) first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { Dispatch } from '../../../src/gpu/dispatch.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { backwardWeightProblem, forwardProblem, vec4Kernel } from '../../../src/gpu/matmul-plans.ts';
import { matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward } from '../../../src/gpu/ops/matmul.ts';
import type { Activation } from '../../../src/model/spec.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { denseNetwork } from '../../../src/model/arch.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// Float32 sums over up to 301 products of values in [−1, 1]: rounding stays far below these.
const TOL = { atol: 1e-4, rtol: 1e-4 };
const LR = 0.3;
const L2 = 0.01;

describe('which kernel the vec4 variant runs', () => {
  it('matmul_vec4_edge for weight gradients whose width is not a multiple of 4, matmul_vec4 for the rest', () => {
    // LeNet-5's first convolution at batch 100: 78,400 im2col rows of 28 columns, 6 channels;
    // its 29 gradient rows make 2 blocks of 20 against 1 block of 8 columns: along M.
    expect(vec4Kernel(backwardWeightProblem(78400, 28, 6))).toBe('vec4_edge_rows');
    expect(vec4Kernel(backwardWeightProblem(78400, 28, 6, 3))).toBe('vec4_edge_rows'); // with the SGD step
    expect(vec4Kernel(backwardWeightProblem(100, 12, 6))).toBe('vec4_edge'); // 13 rows: one block either way
    expect(vec4Kernel(forwardProblem(78400, 28, 16, 'relu'))).toBe('vec4_rows'); // matmul_vec4 along M: matmul-vec4-rows.test.ts
    expect(vec4Kernel(backwardWeightProblem(19600, 400, 36))).toBe('vec4');
  });

  it('matmul_vec4_edge for such forward problems (along M for many rows), matmul_blocked where A cannot be read as vec4 or B is transposed', () => {
    expect(vec4Kernel(forwardProblem(78400, 28, 6, 'relu'))).toBe('vec4_edge_rows'); // LeNet-5's first convolution
    expect(vec4Kernel(forwardProblem(100, 784, 30, 'sigmoid'))).toBe('vec4_edge'); // Nielsen's hidden layer
    expect(vec4Kernel(forwardProblem(100, 30, 10, 'identity'))).toBe('blocked'); // C not a multiple of 4
    expect(vec4Kernel(backwardWeightProblem(100, 30, 6))).toBe('blocked');
    // The input gradient dY (B, 6) · Wᵀ: A is 6 wide.
    expect(vec4Kernel({ M: 100, N: 28, K: 6, lda: 6, ldb: 6, transA: false, transB: true, mode: 1, act: 'relu' })).toBe('blocked');
  });
});

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

/** What a matmul dispatch ran: its label ends in [kernel, …]. */
const ranKernel = (d: Dispatch) => /\[([a-z0-9_]+)/.exec(d.label)?.[1];

// [B, C, OC, split]: C a multiple of 4 (im2col's padded columns), OC anything.
const SHAPES: [number, number, number, number][] = [
  [7, 28, 6, 1], // LeNet-5's first layer, a few rows
  [1, 12, 1, 1], // batch 1, one output
  [13, 8, 7, 1],
  [45, 300, 10, 1], // long k, ten classes
  [301, 28, 6, 3], // split-K, the last slice ragged and ending inside a step of 4
];

describe('matmul_vec4_edge against src/cpu/matmul.ts', () => {
  for (const [B, C, OC, split] of SHAPES) {
    const name = `B=${B} C=${C} OC=${OC}${split > 1 ? `, k in ${split} slices` : ''}`;
    const x = seededArray(B * C, 1 + C, -1, 1);
    const wb = seededArray((C + 1) * OC, 2 + OC, -1, 1);
    const dY = seededArray(B * OC, 3 + B, -1, 1);

    it(`backward weight and with the SGD step ${name}`, async () => {
      const d = k.device;
      const xb = storageBuffer(d, 'x', x);
      const dYb = storageBuffer(d, 'dY', dY);
      const dWb = poisoned(d, 'dWb', wb.length);
      const w = await matmulBackwardWeight(k, 'vec4', dWb, xb, dYb, B, C, OC, 'backward weight', split);
      // Along M where the gradient's rows fill more of the workgroup than its columns (29 and 301 rows here).
      expect(ranKernel(w)).toBe(C + 1 > 20 ? 'vec4_edge_rows' : 'vec4_edge');
      await run(d, [w]);
      const want = new Float64Array(wb.length);
      cpu.matmulBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
      expectClose(`dWb ${name}`, await readFloats(d, dWb, want.length), want, TOL);

      const params = storageBuffer(d, 'wb', wb);
      const opt = optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), LR, L2, 0);
      await run(d, [await matmulBackwardWeightUpdate(k, 'vec4', params, xb, dYb, opt, B, C, OC, 'backward weight + SGD', split)]);
      const stepped = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(stepped, Float64Array.from(x), Float64Array.from(dY), B, C, OC, LR, L2);
      expectClose(`wb after the SGD step ${name}`, await readFloats(d, params, stepped.length), stepped, TOL);
    });
  }
});

// [B, C, OC, activation, split]: C a multiple of 4; from 1,280 rows the invocations run along M.
const FORWARD: [number, number, number, Activation, number][] = [
  [7, 28, 6, 'relu', 1],
  [1, 12, 1, 'identity', 1],
  [45, 300, 10, 'sigmoid', 1],
  [1301, 28, 6, 'relu', 1], // along M, the last workgroup's rows ragged
  [2003, 36, 5, 'tanh', 3], // along M, split-K
  [1500, 8, 7, 'softplus', 1],
];

describe('matmul_vec4_edge forward against src/cpu/matmul.ts', () => {
  for (const [B, C, OC, act, split] of FORWARD) {
    const name = `B=${B} C=${C} OC=${OC} ${act}${split > 1 ? `, k in ${split} slices` : ''}`;
    it(`forward ${name}`, async () => {
      const d = k.device;
      const x = seededArray(B * C, 5 + C, -1, 1);
      const wb = seededArray((C + 1) * OC, 6 + OC, -1, 1);
      const out = poisoned(d, 'out', B * OC);
      const f = await matmulForward(k, 'vec4', out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, act, 'forward', split);
      expect(ranKernel(f)).toBe(B >= 1280 ? 'vec4_edge_rows' : 'vec4_edge');
      await run(d, [f]);
      const want = new Float64Array(B * OC);
      cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
      expectClose(`out ${name}`, await readFloats(d, out, want.length), want, TOL);
    });
  }
});
