/**
 * The batch-normalization kernels against their CPU twins (src/cpu/batchnorm.ts) on awkward
 * shapes: three channels, odd H·W, one channel, rows past the workgroup's 64 invocations,
 * and N = 1 (batch 1 after a dense layer), whose variance is 0: the output is β and the
 * input gradient 0, and the running variance moves towards 0; the backward pass's three
 * kernels, and the statistics' two, also one by one, over ragged chunks of rows and more
 * channels than a workgroup holds. Outputs are poisoned first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/batchnorm.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import {
  batchnormBackward, batchnormBackwardInput, batchnormBackwardSums, batchnormBackwardTotals, batchnormBackwardUpdate, batchnormForward, batchnormStats,
  batchnormStatsSums, batchnormStatsTotals,
} from '../../../src/gpu/ops/batchnorm.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// f32 sums of up to 2,000 terms in another order than the CPU's doubles; istd up to 1/√ε ≈ 316 at N = 1.
const TOL = { atol: 2e-5, rtol: 2e-4 };

// [B, H, W, C]: rows N = B·H·W per channel.
const SHAPES: [number, number, number, number][] = [
  [2, 5, 7, 3], // three channels, odd H·W (N = 70)
  [7, 1, 1, 9], // after a dense layer: per unit over the batch
  [1, 13, 11, 4], // batch 1 of an image: N = 143, fine
  [10, 14, 14, 6], // N = 1,960: many rows per invocation
  [3, 3, 3, 1], // one channel
  [1, 1, 1, 5], // N = 1: variance 0
  [1, 23, 23, 70], // N = 529: three chunks of the backward's sums, the last ragged; 70 channels: two workgroups of them
  [2, 6, 5, 24], // 24 channels: the forward four channels at a time (as [1, 13, 11, 4])
];

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

/** Inputs of one shape: x shifted per channel, γ around 1, β, running statistics, a gradient. */
function inputs(B: number, H: number, W: number, C: number) {
  const N = B * H * W;
  const x = seededArray(N * C, 1 + N + C, -2, 3);
  const wb = Float32Array.from(seededArray(2 * C, 2 + C, -0.5, 0.5), (v, i) => (i < C ? 1 + v : v));
  const running = Float32Array.from(seededArray(2 * C, 3 + C, 0.2, 1.5));
  const dY = seededArray(N * C, 4 + N, -1, 1);
  return { N, x, wb, running, dY };
}

describe('batch normalization kernels against src/cpu/batchnorm.ts', () => {
  for (const [B, H, W, C] of SHAPES) {
    const name = `B=${B} ${H}×${W}×${C}`;
    it(`stats, running averages, forward and backward, ${name}`, async () => {
      const d = k.device;
      const { N, x, wb, running, dY } = inputs(B, H, W, C);
      const xBuf = storageBuffer(d, 'x', x);
      const wbBuf = storageBuffer(d, 'wb', wb);
      const dYBuf = storageBuffer(d, 'dY', dY);
      const runBuf = storageBuffer(d, 'running', running);
      const stats = poisoned(d, 'stats', 2 * C);
      const out = poisoned(d, 'out', N * C);
      const evalOut = poisoned(d, 'eval out', N * C);
      const dWb = poisoned(d, 'dWb', 2 * C);
      const dX = poisoned(d, 'dX', N * C);
      const forward = await batchnormForward(k, out, xBuf, wbBuf, stats, N, C, 'relu');
      expect(forward.label).toMatch(C % 4 === 0 ? /\[batchnorm_forward_vec4\]$/ : /\[batchnorm_forward\]$/);
      await run(d, [
        await batchnormStats(k, stats, runBuf, xBuf, N, C),
        forward,
        await batchnormBackward(k, dX, dWb, xBuf, dYBuf, wbBuf, stats, N, C, 'sigmoid'),
        await batchnormForward(k, evalOut, xBuf, wbBuf, runBuf, N, C, 'tanh'),
      ]);
      const [s, r] = [new Float64Array(2 * C), Float64Array.from(running)];
      cpu.batchnormStats(s, r, x, N, C);
      const [o, eo, dw, dx] = [new Float64Array(N * C), new Float64Array(N * C), new Float64Array(2 * C), new Float64Array(N * C)];
      cpu.batchnormForward(o, x, wb, s, N, C, 'relu');
      cpu.batchnormBackward(dx, dw, x, dY, wb, s, N, C, 'sigmoid');
      cpu.batchnormForward(eo, x, wb, r, N, C, 'tanh');
      expectClose(`stats ${name}`, await readFloats(d, stats, 2 * C), s, TOL);
      expectClose(`running ${name}`, await readFloats(d, runBuf, 2 * C), r, TOL);
      expectClose(`out ${name}`, await readFloats(d, out, N * C), o, TOL);
      expectClose(`dWb ${name}`, await readFloats(d, dWb, 2 * C), dw, TOL);
      expectClose(`dX ${name}`, await readFloats(d, dX, N * C), dx, TOL);
      expectClose(`eval out ${name}`, await readFloats(d, evalOut, N * C), eo, TOL);
      if (N === 1) {
        expect([...s.subarray(C)]).toEqual(new Array(C).fill(0));
        expect([...o]).toEqual([...wb.subarray(C)].map((b) => Math.max(0, b)));
        expect([...dx].every((v) => v === 0)).toBe(true);
      }
    });

    it(`fused SGD step, no input gradient, ${name}`, async () => {
      const d = k.device;
      const { N, x, wb, running, dY } = inputs(B, H, W, C);
      const [lr, l2] = [0.3, 0.01];
      const layout = paramLayout({ input: { channels: 1, height: 1, width: 1 }, layers: [{ type: 'dense', units: 1 }] });
      const opt = optimizerBuffer(d, layout, lr, l2, 0);
      const wbBuf = storageBuffer(d, 'wb', wb);
      const stats = storageBuffer(d, 'stats', new Float32Array(running));
      await run(d, [await batchnormBackwardUpdate(k, null, wbBuf, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), stats, opt, N, C, 'identity')]);
      const want = Float64Array.from(wb);
      cpu.batchnormBackwardUpdate(null, want, x, dY, running, N, C, 'identity', lr, l2);
      expectClose(`[γ; β] after SGD ${name}`, await readFloats(d, wbBuf, 2 * C), want, TOL);
    });
  }
});

describe("the statistics' two kernels, each pass, one by one against their twins", () => {
  // N = 1,083 rows in five chunks of 256 (the last of 59); 70 channels (workgroups of 64 and 6); N = 1;
  // 12 and 24 channels: the chunk sums four channels at a time (24 over the five ragged chunks).
  for (const [B, H, W, C] of [[3, 19, 19, 2], [1, 23, 23, 70], [1, 1, 1, 3], [2, 9, 7, 12], [3, 19, 19, 24]] as const) {
    const name = `B=${B} ${H}×${W}×${C}`;
    it(`sums → mean, sums of squares → variance and running averages, ${name}`, async () => {
      const d = k.device;
      const { N, x, running } = inputs(B, H, W, C);
      const xBuf = storageBuffer(d, 'x', x);
      const chunks = cpu.bnChunks(N);
      const stats = poisoned(d, 'stats', 2 * C);
      const runBuf = storageBuffer(d, 'running', running);
      const [wantStats, wantRunning] = [new Float64Array(2 * C).fill(NaN), Float64Array.from(running)];
      for (const pass of [0, 1] as const) {
        const partial = poisoned(d, `partial ${pass}`, chunks * C);
        const sums = await batchnormStatsSums(k, partial, xBuf, stats, N, C, pass);
        expect(sums.label).toMatch(C % 4 === 0 ? /\[batchnorm_stats_sums_vec4\]$/ : /\[batchnorm_stats_sums\]$/);
        await run(d, [sums]);
        const wantPartial = new Float64Array(chunks * C);
        // Against the twin given the GPU's mean, so each kernel is compared on its own.
        const gpuStats = Float64Array.from(await readFloats(d, stats, 2 * C));
        cpu.batchnormStatsSums(wantPartial, x, gpuStats, N, C, pass);
        const gotPartial = await readFloats(d, partial, wantPartial.length);
        expectClose(`pass ${pass} chunk sums ${name}`, gotPartial, wantPartial, TOL);

        await run(d, [await batchnormStatsTotals(k, stats, runBuf, partial, N, C, pass)]);
        cpu.batchnormStatsTotals(wantStats, wantRunning, gotPartial, N, C, pass);
        const got = await readFloats(d, stats, 2 * C);
        expectClose(`pass ${pass} ${pass === 0 ? 'mean' : 'variance'} ${name}`, got.subarray(pass * C, (pass + 1) * C), wantStats.subarray(pass * C, (pass + 1) * C), TOL);
        // The running averages move in pass 1 only.
        expectClose(`pass ${pass} running ${name}`, await readFloats(d, runBuf, 2 * C), pass === 0 ? running : wantRunning, TOL);
        if (pass === 0) wantStats.set(got.subarray(0, C));
      }
    });
  }
});

describe("the backward pass's three kernels one by one against their twins", () => {
  // [B, H, W, C]: N = 1,083 rows in five chunks of 256 (the last of 59); 70 channels (workgroups of 64 and 6); N = 1;
  // 12 and 24 channels: the chunk sums and the input gradient four channels at a time.
  for (const [B, H, W, C] of [[3, 19, 19, 2], [1, 23, 23, 70], [1, 1, 1, 3], [2, 9, 7, 12], [3, 19, 19, 24]] as const) {
    const name = `B=${B} ${H}×${W}×${C}`;
    it(`sums → totals (stored, and the SGD step) → input, ${name}`, async () => {
      const d = k.device;
      const { N, x, wb, running, dY } = inputs(B, H, W, C);
      const stats = new Float64Array(2 * C);
      cpu.batchnormStats(stats, Float64Array.from(running), x, N, C);
      const [xBuf, dYBuf, statsBuf] = [storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), storageBuffer(d, 'stats', Float32Array.from(stats))];

      const partial = poisoned(d, 'partial', 2 * cpu.bnChunks(N) * C);
      const sums = await batchnormBackwardSums(k, partial, xBuf, dYBuf, statsBuf, N, C);
      expect(sums.label).toMatch(C % 4 === 0 ? /\[batchnorm_backward_sums_vec4\]$/ : /\[batchnorm_backward_sums\]$/);
      await run(d, [sums]);
      const wantPartial = new Float64Array(2 * cpu.bnChunks(N) * C);
      cpu.batchnormBackwardSums(wantPartial, x, dY, stats, N, C);
      const gotPartial = await readFloats(d, partial, wantPartial.length);
      expectClose(`chunk sums ${name}`, gotPartial, wantPartial, TOL);

      // The totals from the GPU's chunk sums, so each kernel is compared on its own.
      const coef = poisoned(d, 'coef', 3 * C);
      const dWb = poisoned(d, 'dWb', 2 * C);
      await run(d, [await batchnormBackwardTotals(k, coef, storageBuffer(d, 'wb', wb), dWb, partial, statsBuf, null, N, C)]);
      const [wantCoef, wantDWb] = [new Float64Array(3 * C), new Float64Array(2 * C)];
      cpu.batchnormBackwardTotals(wantCoef, Float64Array.from(wb), wantDWb, gotPartial, stats, N, C, null);
      const gotCoef = await readFloats(d, coef, 3 * C);
      expectClose(`coefficients ${name}`, gotCoef, wantCoef, TOL);
      expectClose(`dWb ${name}`, await readFloats(d, dWb, 2 * C), wantDWb, TOL);

      const [lr, l2] = [0.3, 0.01];
      const layout = paramLayout({ input: { channels: 1, height: 1, width: 1 }, layers: [{ type: 'dense', units: 1 }] });
      const stepped = storageBuffer(d, 'wb stepped', wb);
      const coef2 = poisoned(d, 'coef 2', 3 * C);
      await run(d, [await batchnormBackwardTotals(k, coef2, stepped, null, partial, statsBuf, optimizerBuffer(d, layout, lr, l2, 0), N, C)]);
      const wantStepped = Float64Array.from(wb);
      cpu.batchnormBackwardTotals(new Float64Array(3 * C), wantStepped, null, gotPartial, stats, N, C, { lr, l2 });
      expectClose(`[γ; β] after SGD ${name}`, await readFloats(d, stepped, 2 * C), wantStepped, TOL);
      expectClose(`coefficients with γ before the step ${name}`, await readFloats(d, coef2, 3 * C), wantCoef, TOL);

      const dX = poisoned(d, 'dX', N * C);
      const input = await batchnormBackwardInput(k, dX, xBuf, dYBuf, statsBuf, coef, N, C, 'relu');
      expect(input.label).toMatch(C % 4 === 0 ? /\[batchnorm_backward_input_vec4\]$/ : /\[batchnorm_backward_input\]$/);
      await run(d, [input]);
      const wantDX = new Float64Array(N * C);
      cpu.batchnormBackwardInput(wantDX, x, dY, stats, gotCoef, N, C, 'relu');
      expectClose(`dX ${name}`, await readFloats(d, dX, N * C), wantDX, TOL);
    });
  }
});
