/** softmax_cross_entropy and quadratic_cost against the CPU reference. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/loss.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { STEP_SLOT_BYTES, type KernelCache } from '../../../src/gpu/kernels.ts';
import { quadraticCost, softmaxCrossEntropy } from '../../../src/gpu/ops/loss.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// One softmax per row of ≤ 99 classes: exp/log in f32 are good to a few ulps.
const TOL = { atol: 1e-5, rtol: 1e-4 };
// The batch sum of up to 1000 per-row losses of magnitude ~5.
const SUM_TOL = { atol: 1e-3, rtol: 1e-4 };

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

function labelsFor(B: number, K: number, seed: number): Uint32Array {
  return Uint32Array.from(seededArray(B, seed, 0, K), (v) => Math.floor(v));
}

/** A step buffer whose slot `slot` says step index `index`. */
function stepBuffer(d: GPUDevice, slot: number, index: number): GPUBuffer {
  const words = new Uint32Array(((slot + 1) * STEP_SLOT_BYTES) / 4);
  words[(slot * STEP_SLOT_BYTES) / 4] = index;
  return storageBufferUniform(d, words);
}

function storageBufferUniform(d: GPUDevice, words: Uint32Array): GPUBuffer {
  const b = d.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(b.getMappedRange()).set(words);
  b.unmap();
  return b;
}

const SHAPES: [B: number, K: number][] = [
  [1, 10],
  [7, 10],
  [100, 10],
  [1000, 10],
  [13, 99],
  [3, 1],
];

for (const [B, K] of SHAPES) {
  describe(`B=${B} K=${K}`, () => {
    it('softmax_cross_entropy', async () => {
      const d = k.device;
      const logits = seededArray(B * K, 11 + B, -8, 8);
      const labels = labelsFor(B, K, 12 + K);
      const dLogits = poisoned(d, 'dLogits', B * K);
      const stats = poisoned(d, 'stats', 2 * 4);
      const step = k.stepBindGroup(stepBuffer(d, 1, 3), 'step');
      const dispatch = await softmaxCrossEntropy(
        k, dLogits, storageBuffer(d, 'logits', logits), storageBuffer(d, 'labels', labels), stats, B, K, step,
      );
      await run(d, [dispatch], STEP_SLOT_BYTES);
      const want = new Float64Array(B * K);
      const totals = cpu.softmaxCrossEntropy(want, Float64Array.from(logits), labels, B, K);
      expectClose('dLogits', await readFloats(d, dLogits, B * K), want, TOL);
      const got = await readFloats(d, stats, 8);
      expectClose('stats[3]', got.subarray(6, 8), [totals.lossSum, totals.correct], SUM_TOL);
      expect(Number.isNaN(got[0]), 'stats rows of other steps stay untouched').toBe(true);
    });

    it('quadratic_cost (sigmoid output)', async () => {
      const d = k.device;
      const a = seededArray(B * K, 13 + B, 0, 1);
      const labels = labelsFor(B, K, 14 + K);
      const dZ = poisoned(d, 'dZ', B * K);
      const stats = poisoned(d, 'stats', 2);
      const step = k.stepBindGroup(stepBuffer(d, 0, 0), 'step');
      const dispatch = await quadraticCost(
        k, dZ, storageBuffer(d, 'a', a), storageBuffer(d, 'labels', labels), stats, B, K, 'sigmoid', step,
      );
      await run(d, [dispatch]);
      const want = new Float64Array(B * K);
      const totals = cpu.quadraticCost(want, Float64Array.from(a), labels, B, K, 'sigmoid');
      expectClose('dZ', await readFloats(d, dZ, B * K), want, TOL);
      expectClose('stats[0]', await readFloats(d, stats, 2), [totals.lossSum, totals.correct], SUM_TOL);
    });
  });
}
