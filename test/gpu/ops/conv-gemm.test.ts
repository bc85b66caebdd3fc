/**
 * conv_gemm.wgsl (a convolution's matmuls with the im2col matrix read in place) and
 * conv_flip_weights.wgsl against their CPU twins: im2col followed by the dense matmul
 * (src/cpu/conv.ts, src/cpu/matmul.ts), summed in the same order, and flipConvWeights /
 * conv2dBackwardInputAsConv; the input gradient also against the im2col route's
 * (conv2dBackwardInput). Shapes: batch 1, odd sizes, padding 0 to KH − 1, 1×1 and 5×5
 * kernels, a ragged last row block, widths under and over 32 (invocations along M or along
 * N), split-K with a ragged last slice. Outputs are poisoned (NaN) first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpuConv from '../../../src/cpu/conv.ts';
import { matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward } from '../../../src/cpu/matmul.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import {
  conv2dBackwardInputImplicit, conv2dBackwardWeightImplicit, conv2dForwardImplicit, copyVec4, flipConvWeights, implicitConvFits, runsImplicit, weightSlices,
} from '../../../src/gpu/ops/conv.ts';
import { convGemm, uniformBStage } from '../../../src/gpu/ops/matmul.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { forwardProblem } from '../../../src/gpu/matmul-plans.ts';
import { denseNetwork } from '../../../src/model/arch.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels, TEST_ADAPTER } from '../../helpers/gpu.ts';
import { KernelCache } from '../../../src/gpu/kernels.ts';
import { openNodeGpu } from '../../../src/gpu/node-gpu.node.ts';

// [B, IC, H, W, OC, K, pad]
const SHAPES: [number, number, number, number, number, number, number][] = [
  [1, 4, 5, 7, 4, 3, 0], // batch 1, odd sizes, no padding, 15 rows (one ragged block)
  [3, 16, 14, 14, 32, 5, 2], // cnn conv 2 at batch 3: 588 rows, padding 2
  [2, 4, 30, 26, 8, 3, 2], // padding KH − 1: the input gradient's own padding 0; 1,792 rows: invocations along M
  [1, 12, 6, 5, 36, 1, 0], // a 1×1 kernel, 36 filters: wider than 32, invocations along N
  // Blocks of 20 rows × 8·NB columns (NB, columnGroupsOf: products of 2^25 multiply-adds and
  // more, with as few rows as that allows): 20 filters over 10 × 10 × 28 at batch 104 (6,656
  // rows): NB 3 in the forward and weight gradient, NB 4 in the 28-channel input gradient, each
  // with the last 4 columns of its last block past N.
  [104, 28, 10, 10, 20, 3, 0],
  // Weights over 64 KiB ((800 + 1) × 32 floats): B stays in storage (conv_gemm, not conv_gemm_ub).
  [1, 32, 6, 6, 32, 5, 2],
];

/** Whether B (the block [W; b], or the flipped weights) fits conv_gemm_ub's 64 KiB uniform binding. */
const fitsUniform = (floats: number) => floats * 4 <= 65536;

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

it('conv_gemm takes IC and OC multiples of 4, stride 1, square kernels, padding ≤ KH − 1, with the vec4 variant', () => {
  const g = (IC: number, OC: number, K: number, KW: number, S: number, P: number) => cpuConv.convGeometry(2, IC, 12, 12, OC, K, KW, S, P);
  expect(implicitConvFits(g(16, 32, 5, 5, 1, 2))).toBe(true);
  expect(implicitConvFits(g(6, 16, 5, 5, 1, 0))).toBe(false); // LeNet-5 conv 2: 6 input channels
  expect(implicitConvFits(g(1, 16, 5, 5, 1, 2))).toBe(false); // a first layer over gray images
  expect(implicitConvFits(g(16, 6, 5, 5, 1, 2))).toBe(false);
  expect(implicitConvFits(g(16, 32, 3, 3, 2, 1))).toBe(false); // stride 2
  expect(implicitConvFits(g(16, 32, 3, 5, 1, 1))).toBe(false); // 3×5
  expect(implicitConvFits(g(16, 32, 3, 3, 1, 3))).toBe(false); // padding 3 > KH − 1
  expect(runsImplicit('vec4', g(16, 32, 5, 5, 1, 2))).toBe(true);
  expect(runsImplicit({ variant: 'vec4' }, g(16, 32, 5, 5, 1, 2))).toBe(true);
  expect(runsImplicit('tiled', g(16, 32, 5, 5, 1, 2))).toBe(false);
  expect(runsImplicit('auto', g(16, 32, 5, 5, 1, 2))).toBe(false);
});

describe('conv_gemm against im2col + the matmul (src/cpu), and conv_flip_weights against flipConvWeights', () => {
  for (const [B, IC, H, W, OC, K, P] of SHAPES) {
    const g = cpuConv.convGeometry(B, IC, H, W, OC, K, K, 1, P);
    const { rows, cols } = cpuConv.colShape(g);
    const name = `B=${B} ${H}×${W}×${IC} → ${g.OH}×${g.OW}×${OC}, ${K}×${K} p${P}`;
    const x = seededArray(B * H * W * IC, 1 + H, 0, 1);
    const wb = seededArray((cols + 1) * OC, 2 + K);
    const dY = seededArray(rows * OC, 3 + OC);
    const col = new Float32Array(rows * cols);
    cpuConv.im2col(col, x, g);

    it(`forward ${name}`, async () => {
      const d = k.device;
      const out = poisoned(d, 'out', rows * OC);
      const dispatches = await conv2dForwardImplicit(k, 'vec4', out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), g, 'relu');
      // [W; b] copied into a 64 KiB uniform binding first (copy_vec4), read there by conv_gemm_ub.
      const ub = fitsUniform((cols + 1) * OC);
      const kernel = ub ? 'conv_gemm_ub' : 'conv_gemm';
      expect(dispatches.map((x) => x.label)).toEqual([
        ...(ub ? ['conv2dForwardImplicit weights to the uniform'] : []), expect.stringMatching(new RegExp(`^conv2dForwardImplicit \\[${kernel}[_,\\]]`)),
      ]);
      const wide = OC > 8 && rows * cols * OC >= 2 ** 25 ? `, ${8 * Math.ceil(OC / 8)} columns to an invocation` : '';
      expect(dispatches.at(-1)!.label).toMatch(rows >= 1280 && OC <= 32 ? new RegExp(`\\[${kernel}_rows${wide}\\]$`) : new RegExp(`\\[${kernel}\\]$`));
      await run(d, dispatches);
      const want = new Float32Array(rows * OC);
      matmulForward(want, col, wb, rows, cols, OC, 'relu');
      // The same products in the same order, rounded in fused multiply-adds on the GPU: the
      // difference grows with the K = cols terms of each sum.
      const tol = Math.max(1e-5, 5e-8 * cols);
      expectClose(`out ${name}`, await readFloats(d, out, want.length), want, { atol: tol, rtol: tol });
      // The definition, in float64.
      const direct = new Float64Array(rows * OC);
      cpuConv.conv2dDirect(direct, Float64Array.from(x), Float64Array.from(wb), g, 'relu');
      expectClose(`out vs the direct loops ${name}`, await readFloats(d, out, want.length), direct, { atol: 1e-4, rtol: 1e-4 });
    });

    it(`weight gradient and its SGD step ${name}, split over rows`, async () => {
      const d = k.device;
      const dYb = storageBuffer(d, 'dY', dY);
      const xb = storageBuffer(d, 'x', x);
      const dWb = poisoned(d, 'dWb', wb.length);
      const opt = optimizerBuffer(d, paramLayout(denseNetwork([cols, OC])), 0.01, 0.1, 0);
      const grad = await conv2dBackwardWeightImplicit(k, 'vec4', dWb, xb, dYb, opt, g, 2);
      expect(grad[0].label).toContain('conv_gemm');
      if (weightSlices(g) > 1) expect(grad[0].label).toContain(`k in ${weightSlices(g)} slices`);
      await run(d, grad);
      const want = new Float32Array(wb.length);
      matmulBackwardWeight(want, col, dY, rows, cols, OC);
      expectClose(`dWb ${name}`, await readFloats(d, dWb, wb.length), want, { atol: 1e-4, rtol: 1e-4 });

      const wbb = storageBuffer(d, 'wb', wb);
      await run(d, await conv2dBackwardWeightImplicit(k, 'vec4', wbb, xb, dYb, opt, g, 3));
      const stepped = Float32Array.from(wb);
      matmulBackwardWeightUpdate(stepped, col, dY, rows, cols, OC, 0.01, 0.1);
      expectClose(`wb after SGD ${name}`, await readFloats(d, wbb, wb.length), stepped, { atol: 1e-5, rtol: 1e-5 });
    });

    it(`input gradient as a convolution of dY ${name}`, async () => {
      const d = k.device;
      const wbb = storageBuffer(d, 'wb', wb);
      const flipped = poisoned(d, 'flipped', IC * K * K * OC);
      await run(d, [await flipConvWeights(k, flipped, wbb, g)]);
      const wantFlipped = new Float32Array(IC * K * K * OC);
      cpuConv.flipConvWeights(wantFlipped, wb, g);
      expectClose(`flipped ${name}`, await readFloats(d, flipped, wantFlipped.length), wantFlipped, { atol: 0, rtol: 0 });

      const dX = poisoned(d, 'dX', x.length);
      const input = await conv2dBackwardInputImplicit(k, 'vec4', dX, flipped, storageBuffer(d, 'dY', dY), wbb, storageBuffer(d, 'x', x), g, 'sigmoid');
      // The flipped weights go to a uniform binding where they fit one: conv_gemm_ub.
      expect(input[1].label).toMatch(fitsUniform(IC * cols) ? /\[conv_gemm_ub/ : /\[conv_gemm[_,\]](?!ub)/);
      await run(d, input);
      const twin = new Float32Array(x.length);
      cpuConv.conv2dBackwardInputAsConv(twin, dY, wb, x, g, 'sigmoid');
      const got = await readFloats(d, dX, x.length);
      expectClose(`dX vs its twin ${name}`, got, twin, { atol: 1e-5, rtol: 1e-5 });
      // The im2col route's input gradient, in float64: the same values summed in another order.
      const explicit = new Float64Array(x.length);
      cpuConv.conv2dBackwardInput(explicit, new Float64Array(rows * cols), Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(x), g, 'sigmoid');
      expectClose(`dX vs col2im ${name}`, got, explicit, { atol: 1e-4, rtol: 1e-4 });
    });
  }
});

it('conv_gemm_ub takes B only from a buffer uniformBStage made, and says so', async () => {
  const d = k.device;
  const g = cpuConv.convGeometry(1, 4, 5, 7, 4, 3, 3, 1, 0);
  const { rows, cols } = cpuConv.colShape(g);
  const wb = storageBuffer(d, 'wb', seededArray((cols + 1) * 4, 6));
  const build = convGemm(k, 'vec4', 'forward', forwardProblem(rows, cols, 4, 'relu'), storageBuffer(d, 'x', 5 * 7 * 4 * 4), wb, wb, poisoned(d, 'out', rows * 4), {
    IC: 4, H: 5, W: 7, KH: 3, KW: 3, S: 1, P: 0, OH: 3, OW: 5,
  }, true);
  await expect(build).rejects.toThrow(/uniformBStage/);
  const staged = uniformBStage(d, 'staged', (cols + 1) * 4);
  expect(staged === null).toBe(d.limits.maxUniformBufferBindingSize < 65536);
  expect(uniformBStage(d, 'too long', 16385)).toBeNull();
});

it('copy_vec4 copies the first n vec4s exactly and nothing past them', async () => {
  const d = k.device;
  const src = seededArray(4 * 37, 5);
  const dst = poisoned(d, 'dst', 4 * 40);
  await run(d, [await copyVec4(k, dst, storageBuffer(d, 'src', src), 37, 'copy')]);
  const got = await readFloats(d, dst, 4 * 40);
  expect(Array.from(got.subarray(0, 4 * 37))).toEqual(Array.from(src));
  expect(got.subarray(4 * 37).every(Number.isNaN)).toBe(true);
});

// SwiftShader's compiler took minutes over the first conv_gemm (bounds checks with `&&` in
// every gathered load, inlined 20 times a step): the page trains on SwiftShader in Chromium,
// so the kernel is built and checked there too, wherever SwiftShader is installed.
describe('conv_gemm on SwiftShader', () => {
  let sw: KernelCache | null = null;
  let why = '';
  beforeAll(async () => {
    if (TEST_ADAPTER === 'swiftshader') return void (sw = k);
    try {
      sw = new KernelCache(await openNodeGpu('swiftshader'));
    } catch (e) {
      why = (e as Error).message;
    }
  });

  it('builds its three roles in seconds and matches the twins (cnn conv 2 at batch 2)', async (t) => {
    if (!sw) return t.skip(`SwiftShader cannot be opened here: ${why}`);
    const g = cpuConv.convGeometry(2, 16, 14, 14, 32, 5, 5, 1, 2);
    const { rows, cols } = cpuConv.colShape(g);
    const d = sw.device;
    const x = seededArray(2 * 14 * 14 * 16, 7, 0, 1);
    const wb = seededArray((cols + 1) * 32, 8);
    const dY = seededArray(rows * 32, 9);
    const col = new Float32Array(rows * cols);
    cpuConv.im2col(col, x, g);
    const [xb, wbb, dYb] = [storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), storageBuffer(d, 'dY', dY)];
    const out = poisoned(d, 'out', rows * 32);
    const dWb = poisoned(d, 'dWb', wb.length);
    const dX = poisoned(d, 'dX', x.length);
    const opt = optimizerBuffer(d, paramLayout(denseNetwork([cols, 32])), 0.01, 0, 0);
    await run(d, [
      ...(await conv2dForwardImplicit(sw, 'vec4', out, xb, wbb, g, 'relu')),
      ...(await conv2dBackwardWeightImplicit(sw, 'vec4', dWb, xb, dYb, opt, g, 2)),
      ...(await conv2dBackwardInputImplicit(sw, 'vec4', dX, poisoned(d, 'flipped', 16 * 25 * 32), dYb, wbb, xb, g, 'relu')),
    ]);
    const [wantOut, wantDW, wantDX] = [new Float32Array(rows * 32), new Float32Array(wb.length), new Float32Array(x.length)];
    matmulForward(wantOut, col, wb, rows, cols, 32, 'relu');
    matmulBackwardWeight(wantDW, col, dY, rows, cols, 32);
    cpuConv.conv2dBackwardInputAsConv(wantDX, dY, wb, x, g, 'relu');
    expectClose('out on SwiftShader', await readFloats(d, out, wantOut.length), wantOut, { atol: 1e-5, rtol: 1e-5 });
    expectClose('dWb on SwiftShader', await readFloats(d, dWb, wantDW.length), wantDW, { atol: 1e-4, rtol: 1e-4 });
    expectClose('dX on SwiftShader', await readFloats(d, dX, wantDX.length), wantDX, { atol: 1e-5, rtol: 1e-5 });
  });
});
