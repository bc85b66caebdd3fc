/**
 * K_LANES (lib/matmul_vec4_lanes.wgsl): a split weight gradient whose blocks fill at most half
 * of the workgroup's 8 lanes (a first convolution's 13-29 × 6-24 gradient), or fill groups of 4
 * better than workgroups of 8 (9-12 blocks), runs its lanes in groups that each sum their own
 * slice of k. Which problems take it and with how many groups,
 * then matmul_vec4, matmul_vec4_edge (both along M and along N) and conv_gemm with it against
 * the CPU reference, in both weight-gradient roles, where the last workgroup's groups run past
 * the last slice (their partial sums are zeros) and the last slice is ragged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import * as cpuConv from '../../../src/cpu/conv.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { backwardWeightProblem, forwardProblem, kLanesOf, splitK, vec4Kernel } from '../../../src/gpu/matmul-plans.ts';
import { conv2dBackwardWeightImplicit, weightSlices } from '../../../src/gpu/ops/conv.ts';
import { matmulBackwardWeight, matmulBackwardWeightUpdate } from '../../../src/gpu/ops/matmul.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { denseNetwork } from '../../../src/model/arch.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

const TOL = { atol: 1e-4, rtol: 1e-4 };
const LR = 0.3;
const L2 = 0.01;

describe('which weight gradients group their lanes over slices of k', () => {
  const lanes = (rows: number, C: number, OC: number, slices: number) => {
    const p = backwardWeightProblem(rows, C, OC);
    return kLanesOf(vec4Kernel(p), p, slices);
  };
  it('those whose blocks along the lanes fill at most half of them', () => {
    expect(lanes(78400, 28, 6, 77)).toBe(4); // LeNet-5 conv 1: 2 blocks of 20 rows → 4 groups
    expect(lanes(73728 + 12800, 12, 24, 85)).toBe(2); // fast conv 1: 13 rows, 3 blocks of 8 columns → 2
    expect(lanes(78400, 28, 16, 77)).toBe(4); // cnn conv 1: 29 × 16, 2 blocks of columns → 4
    expect(lanes(2000, 4, 1, 2)).toBe(2); // one block, but only 2 slices to share
  });
  it('groups of 4 lanes where they fit the blocks better than whole workgroups of 8', () => {
    expect(lanes(73728, 216, 24, 72)).toBe(2); // fast conv 2: 11 blocks of rows, 5 of 16 lanes idle → 1 of 12
    expect(lanes(12800, 216, 32, 13)).toBe(2); // fast conv 3: the same 217 rows
    expect(lanes(12800, 288, 32, 13)).toBe(1); // fast conv 4: 15 blocks fill 16 lanes as well either way
  });
  it('not those that fill the lanes, nor unsplit ones, nor forward problems', () => {
    expect(lanes(10000, 152, 16, 10)).toBe(1); // LeNet-5 conv 2: 8 blocks of rows
    expect(lanes(19600, 400, 32, 19)).toBe(1); // cnn conv 2
    expect(lanes(78400, 28, 6, 1)).toBe(1);
    const f = forwardProblem(78400, 28, 6, 'relu');
    expect(kLanesOf(vec4Kernel(f), f, 4)).toBe(1);
  });
});

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

// [B (k), C, OC, split, groups, kernel]: split ≥ 2; the slices do not fill whole workgroups.
const SHAPES: [number, number, number, number, number, string][] = [
  [301, 28, 6, 3, 2, 'vec4_edge_rows'], // 29 × 6: two row blocks, 3 slices → 2 groups, 4 partial sums (one empty)
  [1000, 12, 24, 5, 2, 'vec4'], // 13 × 24: three column blocks → 2 groups, 6 partial sums
  [2000, 4, 1, 9, 8, 'vec4_edge'], // 5 × 1: one block → 8 groups, 16 partial sums
  [517, 28, 16, 7, 4, 'vec4'], // 29 × 16: two column blocks → 4 groups, 8 partial sums; ragged last slice
  [1100, 216, 24, 3, 2, 'vec4_rows'], // 217 × 24: 11 row blocks → 2 groups of 4 lanes, 3 workgroups along M, 4 partial sums
];

describe('matmul_vec4 and matmul_vec4_edge with K_LANES against src/cpu/matmul.ts', () => {
  for (const [B, C, OC, split, groups, kernel] of SHAPES) {
    const name = `${C + 1} × ${OC} over k = ${B} in ${split} slices`;
    it(`${kernel}, ${groups} groups: ${name}`, async () => {
      const d = k.device;
      const x = seededArray(B * C, 1 + C, -1, 1);
      const wb = seededArray((C + 1) * OC, 2 + OC, -1, 1);
      const dY = seededArray(B * OC, 3 + B, -1, 1);
      const xb = storageBuffer(d, 'x', x);
      const dYb = storageBuffer(d, 'dY', dY);
      const dWb = poisoned(d, 'dWb', wb.length);
      const w = await matmulBackwardWeight(k, 'vec4', dWb, xb, dYb, B, C, OC, 'backward weight', split);
      const { slices } = splitK(B, split);
      expect(w.label).toContain(`[${kernel}, k in ${slices} slices`);
      expect(w.label).toContain(`${groups} to a workgroup`);
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

  it('conv_gemm with K_LANES: a 4-channel 3×3 convolution over 3,600 rows, its 37 × 8 gradient in 4 slices', async () => {
    const g = cpuConv.convGeometry(4, 4, 30, 30, 8, 3, 3, 1, 1);
    const { rows, cols } = cpuConv.colShape(g);
    expect(weightSlices(g)).toBe(4);
    const d = k.device;
    const x = seededArray(4 * 30 * 30 * 4, 5, 0, 1);
    const dY = seededArray(rows * 8, 6);
    const dWb = poisoned(d, 'dWb', (cols + 1) * 8);
    const opt = optimizerBuffer(d, paramLayout(denseNetwork([cols, 8])), 0.01, 0, 0);
    const grad = await conv2dBackwardWeightImplicit(k, 'vec4', dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), opt, g, 2);
    expect(grad[0].label).toContain('[conv_gemm_rows, k in 4 slices');
    expect(grad[0].label).toContain('4 to a workgroup]');
    await run(d, grad);
    const col = new Float32Array(rows * cols);
    cpuConv.im2col(col, x, g);
    const want = new Float64Array((cols + 1) * 8);
    cpu.matmulBackwardWeight(want, Float64Array.from(col), Float64Array.from(dY), rows, cols, 8);
    expectClose('dWb conv_gemm', await readFloats(d, dWb, want.length), want, TOL);
  });
});
