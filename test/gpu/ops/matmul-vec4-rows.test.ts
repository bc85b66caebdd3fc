/**
 * matmul_vec4 with ROWS_IN_LANES (kernel vec4_rows): a narrow forward product of many rows,
 * as a convolution's forward over its im2col rows, with the workgroup's invocations along M
 * instead of N. Which problems get it, then the kernel against the CPU reference on ragged
 * row counts (the last workgroup's invocations past M), widths 4 to 32 that are not
 * multiples of 8, every activation's epilogue, split over k, and the backward-input role. Outputs are poisoned (NaN)
 * first, so a block left unwritten fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { Dispatch } from '../../../src/gpu/dispatch.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { backwardWeightProblem, columnGroupsOf, forwardProblem, vec4Kernel } from '../../../src/gpu/matmul-plans.ts';
import { matmulBackwardInput, matmulForward } from '../../../src/gpu/ops/matmul.ts';
import type { Activation } from '../../../src/model/spec.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// Float32 sums of up to 401 products of values in [−1, 1]: rounding stays far below these.
const TOL = { atol: 1e-4, rtol: 1e-4 };

describe('which problems the vec4 variant runs with its invocations along M', () => {
  it('a convolution forward of 16-32 channels over many rows', () => {
    expect(vec4Kernel(forwardProblem(78400, 28, 16, 'relu'))).toBe('vec4_rows'); // cnn's first convolution, batch 100
    expect(vec4Kernel(forwardProblem(19600, 400, 32, 'relu'))).toBe('vec4_rows'); // cnn's second
    expect(vec4Kernel(forwardProblem(1280, 28, 32, 'identity'))).toBe('vec4_rows'); // the fewest rows it takes
  });

  it('for a weight gradient (Aᵀ·B) whose row blocks fill more of a workgroup than its column blocks', () => {
    expect(vec4Kernel(backwardWeightProblem(19600, 400, 32))).toBe('vec4_rows'); // cnn conv 2: 21 blocks of rows, 4 of columns
    expect(vec4Kernel(backwardWeightProblem(10000, 152, 16))).toBe('vec4_rows'); // LeNet-5 conv 2: 8 against 2
    expect(vec4Kernel(backwardWeightProblem(100, 784, 300))).toBe('vec4'); // a dense layer: 300 columns
  });

  it('not for wider outputs, few rows, or the other roles', () => {
    expect(vec4Kernel(forwardProblem(78400, 28, 36, 'relu'))).toBe('vec4'); // 36 columns fill 5 of 8 lanes
    expect(vec4Kernel(forwardProblem(1279, 28, 32, 'relu'))).toBe('vec4'); // too few rows for 8 threads' workgroups
    expect(vec4Kernel(forwardProblem(100, 784, 300, 'relu'))).toBe('vec4'); // a dense layer
    expect(vec4Kernel(backwardWeightProblem(294912, 28, 32))).toBe('vec4'); // Aᵀ·B of 29 rows (a 3-channel 3 × 3 convolution): 2 blocks of 20 against 4 of 8 columns
    expect(vec4Kernel({ M: 19600, N: 32, K: 32, lda: 32, ldb: 32, transA: false, transB: true, mode: 1, act: 'relu' })).toBe('vec4_rows');
  });

  it('all of N in one block (NB) along M, for products of 2^25 multiply-adds and more', () => {
    const nb = (p: ReturnType<typeof forwardProblem>) => columnGroupsOf(vec4Kernel(p), p);
    expect(nb(forwardProblem(78400, 28, 16, 'relu'))).toBe(2); // cnn conv 1 at batch 100: 35 M
    expect(nb(forwardProblem(73728, 216, 24, 'relu'))).toBe(3); // fast conv 2 at batch 128
    expect(nb(forwardProblem(19600, 400, 32, 'relu'))).toBe(4); // cnn conv 2
    expect(nb(backwardWeightProblem(73728, 216, 24))).toBe(3); // its weight gradient along M
    expect(nb(forwardProblem(78400, 28, 6, 'relu'))).toBe(1); // one block of 8 is all of N
    expect(nb(forwardProblem(10000, 152, 16, 'relu'))).toBe(1); // LeNet-5 conv 2 at batch 100: 24 M
    expect(nb(forwardProblem(78400, 28, 36, 'relu'))).toBe(1); // along N (vec4)
  });
});

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

/** What a matmul dispatch ran: its label ends in [kernel, …]. */
const ranKernel = (d: Dispatch) => /\[([a-z0-9_]+)/.exec(d.label)?.[1];

// [B, C, OC, activation, split]: C a multiple of 4 (im2col's padded columns).
const SHAPES: [number, number, number, Activation, number][] = [
  [1280, 28, 16, 'relu', 1], // exactly 8 workgroups of 160 rows
  [1301, 12, 4, 'identity', 1], // one column block of 4; the last workgroup holds 21 rows
  [2003, 36, 20, 'sigmoid', 1], // 20 columns: blocks of 8, 8 and 4
  [3000, 400, 32, 'tanh', 3], // split-K, the last slice ragged; 2^25 multiply-adds and more: NB 4
  [1444, 8, 28, 'softplus', 1],
];

describe('matmul_vec4 with its invocations along M against src/cpu/matmul.ts', () => {
  for (const [B, C, OC, act, split] of SHAPES) {
    const name = `B=${B} C=${C} OC=${OC} ${act}${split > 1 ? `, k in ${split} slices` : ''}`;
    it(`forward ${name}`, async () => {
      const d = k.device;
      const x = seededArray(B * C, 1 + C, -1, 1);
      const wb = seededArray((C + 1) * OC, 2 + OC, -1, 1);
      const out = poisoned(d, 'out', B * OC);
      const f = await matmulForward(k, 'vec4', out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, act, 'forward', split);
      expect(ranKernel(f)).toBe('vec4_rows');
      // All OC columns in one block of 20 rows × 8·NB (columnGroupsOf) where the product is large.
      if (OC > 8 && B * C * OC >= 2 ** 25) expect(f.label).toContain(`${8 * Math.ceil(OC / 8)} columns to an invocation`);
      else expect(f.label).not.toContain('columns to an invocation');
      await run(d, [f]);
      const want = new Float64Array(B * OC);
      cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
      expectClose(`out ${name}`, await readFloats(d, out, want.length), want, TOL);
    });
  }
});

describe('matmul_vec4 along M in the backward-input role (dY · Wᵀ ⊙ act′) against src/cpu/matmul.ts', () => {
  // [B, C (the output's width), OC (k)]: a narrow input of many rows, as a first hidden layer of few inputs.
  for (const [B, C, OC] of [[1500, 20, 12], [1283, 4, 32]] as const) {
    it(`backward input B=${B} C=${C} OC=${OC}`, async () => {
      const d = k.device;
      const dY = seededArray(B * OC, 7 + OC, -1, 1);
      const wb = seededArray((C + 1) * OC, 8 + C, -1, 1);
      const aPrev = seededArray(B * C, 9 + B, -1, 1);
      const dX = poisoned(d, 'dX', B * C);
      const f = await matmulBackwardInput(k, 'vec4', dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'aPrev', aPrev), B, C, OC, 'tanh');
      expect(ranKernel(f)).toBe('vec4_rows');
      await run(d, [f]);
      const want = new Float64Array(B * C);
      cpu.matmulBackwardInput(want, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(aPrev), B, C, OC, 'tanh');
      expectClose(`dX B=${B} C=${C} OC=${OC}`, await readFloats(d, dX, want.length), want, TOL);
    });
  }
});
