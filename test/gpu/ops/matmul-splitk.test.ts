/**
 * Split-K: every matmul variant (and matmul_vec4_u8) summing slices of k in one dispatch
 * (workgroup z), then splitk_reduce adding them with the role's epilogue, against the CPU
 * reference (the same matmul: splitting k only reorders the sums) in all four roles, on
 * shapes whose last slice is ragged and, for vec4's weight gradient, ends inside a step of 4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import { packBytes, readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { backwardWeightProblem, candidatePlans, MATMUL_VARIANTS, parsePlan, planName, splitK, type MatmulProblem } from '../../../src/gpu/matmul-plans.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward, splitKReduce } from '../../../src/gpu/ops/matmul.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { ACTIVATIONS } from '../../../src/model/spec.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

const TOL = { atol: 1e-4, rtol: 1e-4 };
const LR = 0.3;
const L2 = 0.01;

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

// Every variant (and split) gets the same inputs for a shape and role, so the float64
// reference is computed once and shared.
const references = new Map<string, Float64Array>();
function reference(key: string, compute: () => Float64Array): Float64Array {
  let want = references.get(key);
  if (!want) references.set(key, (want = compute()));
  return want;
}

describe('splitK and the tuner plans', () => {
  it('cuts k into slices of a multiple of 16, the last one ragged', () => {
    expect(splitK(784, 8)).toEqual({ kSlice: 112, slices: 7 }); // 98 rounds up to 112: 7 slices cover 784
    expect(splitK(784, 4)).toEqual({ kSlice: 208, slices: 4 });
    expect(splitK(100, 3)).toEqual({ kSlice: 48, slices: 3 });
    expect(splitK(13, 4)).toEqual({ kSlice: 16, slices: 1 });
    expect(splitK(784, 1)).toEqual({ kSlice: 784, slices: 1 });
  });

  it('names plans as the cache stores them, and refuses unknown names', () => {
    expect(planName({ variant: 'tiled', split: 8 })).toBe('tiled/k8');
    expect(planName({ variant: 'vec4', split: 1 })).toBe('vec4');
    expect(parsePlan('tiled/k8')).toEqual({ variant: 'tiled', split: 8 });
    expect(parsePlan('blocked')).toEqual({ variant: 'blocked', split: 1 });
    expect(parsePlan('warp/k2')).toBeNull();
  });

  it('offers slices where the output is small and k long, none where the output fills a GPU', () => {
    const forward: MatmulProblem = { M: 100, N: 300, K: 784, lda: 784, ldb: 300, transA: false, transB: false, mode: 0, act: 'relu' };
    const names = candidatePlans(k.ctx, forward).map(planName);
    expect(names).toEqual(expect.arrayContaining(['naive', 'tiled', 'tiled/k2', 'tiled/k8', 'tiled/k16', 'vec4/k4', 'blocked/k8']));
    expect(names.some((n) => n.startsWith('naive/'))).toBe(false);
    // Every slice sums at least 32 k: none of 64 for K = 784.
    expect(names.some((n) => n.endsWith('/k32'))).toBe(false);
    // A convolution's forward pass: 78,400 rows already make thousands of workgroups.
    const conv: MatmulProblem = { M: 78400, N: 16, K: 28, lda: 28, ldb: 16, transA: false, transB: false, mode: 0, act: 'relu' };
    expect(candidatePlans(k.ctx, conv).every((p) => p.split === 1)).toBe(true);
    // A convolution's weight gradient: a small output over 19,600 im2col rows.
    expect(candidatePlans(k.ctx, backwardWeightProblem(19600, 800, 32)).map(planName)).toContain('vec4/k32');
  });
});

describe('splitk_reduce against its CPU twin', () => {
  // M × N outputs from `slices` partial products `stride` apart (stride ≥ M·N, padding unread).
  for (const [M, N, slices, stride] of [[1, 1, 1, 64], [7, 13, 3, 128], [101, 10, 5, 1024], [785, 300, 2, 235520]] as const) {
    for (const mode of [0, 1, 2, 3]) {
      it(`M=${M} N=${N} slices=${slices} mode ${mode}`, async () => {
        const d = k.device;
        const partial = seededArray(slices * stride, 20 + M);
        // mode 0: B's storage (K = 3 rows of N, then the bias row); 1: activations in (0, 1); 3: the optimiser (lr, l2).
        const c = mode === 0 ? seededArray(4 * N, 21) : mode === 1 ? seededArray(M * N, 22, 0, 1) : Float32Array.from([0.3, 0.01, 0, 0]);
        const initial = seededArray(M * N, 23);
        const out = mode === 3 ? storageBuffer(d, 'out', initial) : poisoned(d, 'out', M * N);
        await run(d, [await splitKReduce(k, out, storageBuffer(d, 'partial', partial), storageBuffer(d, 'c', c), slices, stride, M, N, mode, 'sigmoid', 3 * N)]);
        const want = Float64Array.from(initial);
        cpu.splitKReduce(want, Float64Array.from(partial), Float64Array.from(c), slices, stride, M, N, mode, 'sigmoid', 3 * N);
        expectClose(`out mode ${mode}`, await readFloats(d, out, M * N), want, TOL);
      });
    }
  }
});

// [B, C, OC, split]: forward and backward input sum over C and OC, the weight gradient over B.
const SHAPES: [B: number, C: number, OC: number, split: number][] = [
  [100, 784, 300, 8], // lecun's first layer: 7 slices of 112
  [37, 65, 67, 3], // ragged everything; weight gradient over 37 rows: slices of 16, 16, 5
  [100, 300, 100, 4],
  [7, 100, 12, 2], // vec4 in every role: 2 slices of 64 and 36 (forward), the weight gradient not split
  [100, 48, 40, 5], // the weight gradient in 5 slices of 32 (the last 4 rows)
];

for (const variant of MATMUL_VARIANTS) {
  describe(`matmul_${variant} split-K`, () => {
    for (const [B, C, OC, split] of SHAPES) {
      const shape = `B=${B} C=${C} OC=${OC} split ${split}`;
      const acts = B === 37 ? ACTIVATIONS : (['relu'] as const);
      for (const act of acts) {
        it(`forward ${shape} ${act}`, async () => {
          const x = seededArray(B * C, 1 + B, 0, 1);
          const wb = seededArray((C + 1) * OC, 2 + C);
          const d = k.device;
          const out = poisoned(d, 'out', B * OC);
          const dispatch = await matmulForward(k, variant, out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, act, 'forward', split);
          if (splitK(C, split).slices > 1) expect(dispatch.next?.label).toMatch(/reduce/);
          await run(d, [dispatch]);
          const want = reference(`forward ${B} ${C} ${OC} ${act}`, () => {
            const w = new Float64Array(B * OC);
            cpu.matmulForward(w, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
            return w;
          });
          expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);
        });
      }

      it(`backward input ${shape}`, async () => {
        const dY = seededArray(B * OC, 3 + OC);
        const wb = seededArray((C + 1) * OC, 4 + C);
        const aPrev = seededArray(B * C, 5, 0, 1);
        const d = k.device;
        const dX = poisoned(d, 'dX', B * C);
        await run(d, [await matmulBackwardInput(
          k, variant, dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'aPrev', aPrev), B, C, OC, 'sigmoid', 'backward input', split,
        )]);
        const want = reference(`backward input ${B} ${C} ${OC}`, () => {
          const w = new Float64Array(B * C);
          cpu.matmulBackwardInput(w, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(aPrev), B, C, OC, 'sigmoid');
          return w;
        });
        expectClose(`dX (${B}×${C})`, await readFloats(d, dX, B * C), want, TOL);
      });

      it(`backward weight and with SGD step ${shape}`, async () => {
        const x = seededArray(B * C, 6, 0, 1);
        const dY = seededArray(B * OC, 7);
        const wb = seededArray((C + 1) * OC, 8);
        const d = k.device;
        const dWb = poisoned(d, 'dWb', (C + 1) * OC);
        await run(d, [await matmulBackwardWeight(k, variant, dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC, 'weight', split)]);
        const want = reference(`backward weight ${B} ${C} ${OC}`, () => {
          const w = new Float64Array((C + 1) * OC);
          cpu.matmulBackwardWeight(w, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
          return w;
        });
        expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);

        const params = storageBuffer(d, 'wb', wb);
        const opt = optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), LR, L2, 0);
        await run(d, [await matmulBackwardWeightUpdate(k, variant, params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), opt, B, C, OC, 'update', split)]);
        const wantWb = reference(`SGD step ${B} ${C} ${OC}`, () => {
          const w = Float64Array.from(wb);
          cpu.matmulBackwardWeightUpdate(w, Float64Array.from(x), Float64Array.from(dY), B, C, OC, LR, L2);
          return w;
        });
        expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), wantWb, TOL);
      });
    }
  });
}

describe('matmul_vec4_u8 split-K (input as bytes)', () => {
  for (const [B, C, OC, split] of [[100, 784, 300, 4], [37, 48, 12, 3], [10, 784, 32, 2]] as const) {
    const bytes = Uint8Array.from(seededArray(B * C, 11 + B, 0, 256), Math.floor);
    const x = Float64Array.from(bytes, (v) => v / 255);
    const input = (d: GPUDevice) => ({ bytes: storageBuffer(d, 'x bytes', packBytes(bytes)) });

    it(`forward, backward weight and SGD step B=${B} C=${C} OC=${OC} split ${split}`, async () => {
      const d = k.device;
      const wb = seededArray((C + 1) * OC, 12);
      const out = poisoned(d, 'out', B * OC);
      await run(d, [await matmulForward(k, 'vec4', out, input(d), storageBuffer(d, 'wb', wb), B, C, OC, 'relu', 'forward', split)]);
      const want = new Float64Array(B * OC);
      cpu.matmulForward(want, x, Float64Array.from(wb), B, C, OC, 'relu');
      expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);

      const dY = seededArray(B * OC, 13);
      const dWb = poisoned(d, 'dWb', (C + 1) * OC);
      await run(d, [await matmulBackwardWeight(k, 'vec4', dWb, input(d), storageBuffer(d, 'dY', dY), B, C, OC, 'weight', split)]);
      const wantDW = new Float64Array((C + 1) * OC);
      cpu.matmulBackwardWeight(wantDW, x, Float64Array.from(dY), B, C, OC);
      expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), wantDW, TOL);

      const params = storageBuffer(d, 'wb', wb);
      const opt = optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), LR, L2, 0);
      await run(d, [await matmulBackwardWeightUpdate(k, 'vec4', params, input(d), storageBuffer(d, 'dY', dY), opt, B, C, OC, 'update', split)]);
      const wantWb = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(wantWb, x, Float64Array.from(dY), B, C, OC, LR, L2);
      expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), wantWb, TOL);
    });
  }
});
