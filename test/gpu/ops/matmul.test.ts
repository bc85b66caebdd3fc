/**
 * Every matmul variant, in all four roles (forward, backward input, backward weight, and
 * backward weight with the SGD step), and matmul_vec4_u8 with a byte input, against the
 * CPU reference on awkward shapes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import { packBytes, readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { KernelCache } from '../../../src/gpu/kernels.ts';
import { destroyDispatch } from '../../../src/gpu/dispatch.ts';
import { byteInputFits, MATMUL_VARIANTS, backwardWeightProblem, onesRowKey, type MatmulPolicy } from '../../../src/gpu/matmul-plans.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward } from '../../../src/gpu/ops/matmul.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { adapterKey, createAutotuner, MatmulTuner, memoryStore } from '../../../src/gpu/autotune.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { ACTIVATIONS, type Activation } from '../../../src/model/spec.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

// f32 sums of up to 784 products of values in [-1, 1]: worst-case rounding ≈ K·2⁻²⁴·Σ|terms|
// stays under 1e-4 for these sizes; the CPU side accumulates in float64.
const TOL = { atol: 1e-4, rtol: 1e-4 };

const SHAPES: [B: number, C: number, OC: number][] = [
  [1, 1, 10],
  [7, 9, 99],
  [100, 784, 300],
  [1, 784, 10],
  [7, 784, 300],
  [100, 9, 10],
  [100, 300, 99],
  [13, 65, 67],
  // Shapes where matmul_vec4 runs in all three roles (multiples of 4, C + 1 not).
  [8, 12, 16],
  [100, 784, 100],
  [4, 4, 4],
];

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

// Every variant gets the same inputs for a shape and role, so the float64 reference is
// computed once and shared (lecun's shapes take the CPU 0.1 s a role).
const references = new Map<string, Float64Array>();
function reference(key: string, compute: () => Float64Array): Float64Array {
  let want = references.get(key);
  if (!want) references.set(key, (want = compute()));
  return want;
}

for (const variant of MATMUL_VARIANTS) {
  describe(`matmul_${variant}`, () => {
    for (const [B, C, OC] of SHAPES) {
      const acts: Activation[] = B === 7 && C === 9 ? [...ACTIVATIONS] : ['relu'];
      for (const act of acts) {
        it(`forward B=${B} C=${C} OC=${OC} ${act}`, async () => {
          const x = seededArray(B * C, 1 + B, 0, 1);
          const wb = seededArray((C + 1) * OC, 2 + C);
          const d = k.device;
          const out = poisoned(d, 'out', B * OC);
          await run(d, [await matmulForward(k, variant, out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, act)]);
          const want = reference(`forward ${B} ${C} ${OC} ${act}`, () => {
            const w = new Float64Array(B * OC);
            cpu.matmulForward(w, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
            return w;
          });
          expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);
        });
      }

      it(`backward input B=${B} C=${C} OC=${OC}`, async () => {
        const dY = seededArray(B * OC, 3 + OC);
        const wb = seededArray((C + 1) * OC, 4 + C);
        const aPrev = seededArray(B * C, 5, 0, 1); // sigmoid outputs live in (0, 1)
        const d = k.device;
        const dX = poisoned(d, 'dX', B * C);
        const dispatch = await matmulBackwardInput(
          k, variant, dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'aPrev', aPrev), B, C, OC, 'sigmoid',
        );
        await run(d, [dispatch]);
        const want = reference(`backward input ${B} ${C} ${OC}`, () => {
          const w = new Float64Array(B * C);
          cpu.matmulBackwardInput(w, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(aPrev), B, C, OC, 'sigmoid');
          return w;
        });
        expectClose(`dX (${B}×${C})`, await readFloats(d, dX, B * C), want, TOL);
      });

      it(`backward weight B=${B} C=${C} OC=${OC}`, async () => {
        const x = seededArray(B * C, 6, 0, 1);
        const dY = seededArray(B * OC, 7);
        const d = k.device;
        const dWb = poisoned(d, 'dWb', (C + 1) * OC);
        await run(d, [await matmulBackwardWeight(k, variant, dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC)]);
        const want = reference(`backward weight ${B} ${C} ${OC}`, () => {
          const w = new Float64Array((C + 1) * OC);
          cpu.matmulBackwardWeight(w, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
          return w;
        });
        expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);
      });
    }
  });
}

// MODE 3: the weight gradient applied as an SGD step in place, every variant.
const LR = 0.3;
const L2 = 0.01;

function optimizer(d: GPUDevice, C: number, OC: number): GPUBuffer {
  return optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), LR, L2, 0);
}

for (const variant of MATMUL_VARIANTS) {
  describe(`matmul_${variant}, weight gradient with SGD step`, () => {
    for (const [B, C, OC] of [[7, 9, 99], [100, 784, 300], [8, 12, 16], [13, 65, 67]] as const) {
      it(`B=${B} C=${C} OC=${OC}`, async () => {
        const x = seededArray(B * C, 8, 0, 1);
        const dY = seededArray(B * OC, 9);
        const wb = seededArray((C + 1) * OC, 10);
        const d = k.device;
        const params = storageBuffer(d, 'wb', wb);
        const dispatch = await matmulBackwardWeightUpdate(k, variant, params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), optimizer(d, C, OC), B, C, OC);
        await run(d, [dispatch]);
        const want = reference(`SGD step ${B} ${C} ${OC}`, () => {
          const w = Float64Array.from(wb);
          cpu.matmulBackwardWeightUpdate(w, Float64Array.from(x), Float64Array.from(dY), B, C, OC, LR, L2);
          return w;
        });
        expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), want, TOL);
      });
    }
  });
}

// matmul_vec4_u8: layer 1 reading its input batch as bytes, in the roles it serves.
describe('matmul_vec4_u8 (input as bytes)', () => {
  // C a multiple of 16, OC of 4; B = 100 fills 5 blocks of 20 rows, the others leave rows
  // idle, and B = 7, 1, 13, 10 leave the weight gradient a partial last step of k; with
  // C = 784 the ones row (784) lies inside a 32-row block of the weight gradient, with
  // C = 16 and 48 it starts one.
  const U8_SHAPES: [B: number, C: number, OC: number][] = [
    [100, 784, 300],
    [7, 784, 32],
    [1, 16, 4],
    [13, 48, 12],
    [24, 32, 100],
    [10, 784, 300],
  ];
  for (const [B, C, OC] of U8_SHAPES) {
    const bytes = Uint8Array.from(seededArray(B * C, 11 + B, 0, 256), Math.floor);
    const x = Float64Array.from(bytes, (v) => v / 255);
    const input = (d: GPUDevice) => ({ bytes: storageBuffer(d, 'x bytes', packBytes(bytes)) });

    it(`fits B=${B} C=${C} OC=${OC}`, () => {
      expect(byteInputFits('vec4', B, C, OC)).toBe(true);
    });

    it(`forward B=${B} C=${C} OC=${OC}`, async () => {
      const wb = seededArray((C + 1) * OC, 12);
      const d = k.device;
      const out = poisoned(d, 'out', B * OC);
      await run(d, [await matmulForward(k, 'vec4', out, input(d), storageBuffer(d, 'wb', wb), B, C, OC, 'relu')]);
      const want = new Float64Array(B * OC);
      cpu.matmulForward(want, x, Float64Array.from(wb), B, C, OC, 'relu');
      expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);
    });

    it(`backward weight B=${B} C=${C} OC=${OC}`, async () => {
      const dY = seededArray(B * OC, 13);
      const d = k.device;
      const dWb = poisoned(d, 'dWb', (C + 1) * OC);
      await run(d, [await matmulBackwardWeight(k, 'vec4', dWb, input(d), storageBuffer(d, 'dY', dY), B, C, OC)]);
      const want = new Float64Array((C + 1) * OC);
      cpu.matmulBackwardWeight(want, x, Float64Array.from(dY), B, C, OC);
      expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);
    });

    it(`backward weight with SGD step B=${B} C=${C} OC=${OC}`, async () => {
      const dY = seededArray(B * OC, 14);
      const wb = seededArray((C + 1) * OC, 15);
      const d = k.device;
      const params = storageBuffer(d, 'wb', wb);
      await run(d, [await matmulBackwardWeightUpdate(k, 'vec4', params, input(d), storageBuffer(d, 'dY', dY), optimizer(d, C, OC), B, C, OC)]);
      const want = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(want, x, Float64Array.from(dY), B, C, OC, LR, L2);
      expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), want, TOL);
    });
  }

  it('refuses shapes and variants it cannot read bytes with, saying what fits', async () => {
    expect(byteInputFits('vec4', 10, 9, 32)).toBe(false); // C not a multiple of 16
    expect(byteInputFits('vec4', 10, 784, 30)).toBe(false); // OC not a multiple of 4
    expect(byteInputFits('tiled', 10, 784, 32)).toBe(false);
    const d = k.device;
    const bytes = { bytes: storageBuffer(d, 'x', new Uint32Array(4)) };
    await expect(matmulForward(k, 'tiled', poisoned(d, 'out', 4), bytes, storageBuffer(d, 'wb', new Float32Array(68)), 1, 16, 4, 'relu'))
      .rejects.toThrow(/byte input needs the vec4 variant/);
  });
});

// matmul_vec4 with its ones row as selects (SELECTS), the form SwiftShader measured faster,
// run here through a tuner whose cache says 'selects' for these shapes.
describe('matmul_vec4 with SELECTS (the ones row by selects)', () => {
  let ks: KernelCache;
  let selects: MatmulPolicy;
  const SELECT_SHAPES = [[100, 300, 100], [7, 784, 300], [8, 12, 16]] as const;
  beforeAll(() => {
    ks = new KernelCache(k.ctx);
    const winners: Record<string, string> = {};
    for (const [B, C, OC] of SELECT_SHAPES) {
      for (const mode of [2, 3]) winners[onesRowKey(backwardWeightProblem(B, C, OC, mode), { variant: 'vec4', split: 1 })] = 'selects';
    }
    selects = { variant: 'vec4', planner: createAutotuner(ks, new MatmulTuner(adapterKey(k.ctx.adapter), memoryStore({ [adapterKey(k.ctx.adapter)]: winners }))) };
  });

  it('is chosen by measuring both forms on the adapter, not by its name', async () => {
    const kt = new KernelCache(k.ctx);
    const tuner = new MatmulTuner(adapterKey(k.ctx.adapter), memoryStore(), 5);
    const d = kt.device;
    const dispatch = await matmulBackwardWeight(kt, { variant: 'vec4', planner: createAutotuner(kt, tuner) }, poisoned(d, 'dWb', 301 * 100), storageBuffer(d, 'x', new Float32Array(100 * 300)), storageBuffer(d, 'dY', new Float32Array(100 * 100)), 100, 300, 100);
    const result = tuner.results.find((r) => r.key === onesRowKey(backwardWeightProblem(100, 300, 100), { variant: 'vec4', split: 1 }));
    expect(result?.cached).toBe(false);
    expect(Object.keys(result!.ms).sort()).toEqual(['branch', 'selects']);
    for (const ms of Object.values(result!.ms)) expect(ms).toBeGreaterThan(0);
    expect(result!.winner).toBe(result!.ms.selects < result!.ms.branch ? 'selects' : 'branch');
    destroyDispatch(dispatch);
  });

  for (const [B, C, OC] of SELECT_SHAPES) {
    it(`backward weight and with SGD step B=${B} C=${C} OC=${OC}`, async () => {
      const x = seededArray(B * C, 16, 0, 1);
      const dY = seededArray(B * OC, 17);
      const wb = seededArray((C + 1) * OC, 18);
      const d = ks.device;
      const dWb = poisoned(d, 'dWb', (C + 1) * OC);
      const dispatch = await matmulBackwardWeight(ks, selects, dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC);
      expect(dispatch.label).toContain('[vec4, ones row by selects]');
      await run(d, [dispatch]);
      const want = new Float64Array((C + 1) * OC);
      cpu.matmulBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
      expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);

      const params = storageBuffer(d, 'wb', wb);
      await run(d, [await matmulBackwardWeightUpdate(ks, selects, params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), optimizer(d, C, OC), B, C, OC)]);
      const wantWb = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(wantWb, Float64Array.from(x), Float64Array.from(dY), B, C, OC, LR, L2);
      expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), wantWb, TOL);
    });
  }
});
