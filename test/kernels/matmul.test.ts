/** Every matmul variant, in all three roles, against the CPU reference on awkward shapes. */
import { beforeAll, describe, it } from 'vitest';
import * as cpu from '../../src/cpu/matmul.ts';
import { storageBuffer, readFloats } from '../../src/gpu/buffers.ts';
import type { KernelCache } from '../../src/gpu/kernels.ts';
import { MATMUL_VARIANTS, matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../../src/gpu/ops.ts';
import { ACTIVATIONS, type Activation } from '../../src/model/spec.ts';
import { expectClose, seededArray } from '../helpers/compare.ts';
import { poisoned, run, testKernels } from '../helpers/gpu.ts';

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
          const want = new Float64Array(B * OC);
          cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
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
        const want = new Float64Array(B * C);
        cpu.matmulBackwardInput(want, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(aPrev), B, C, OC, 'sigmoid');
        expectClose(`dX (${B}×${C})`, await readFloats(d, dX, B * C), want, TOL);
      });

      it(`backward weight B=${B} C=${C} OC=${OC}`, async () => {
        const x = seededArray(B * C, 6, 0, 1);
        const dY = seededArray(B * OC, 7);
        const d = k.device;
        const dWb = poisoned(d, 'dWb', (C + 1) * OC);
        await run(d, [await matmulBackwardWeight(k, variant, dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC)]);
        const want = new Float64Array((C + 1) * OC);
        cpu.matmulBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
        expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);
      });
    }
  });
}
