/**
 * The convolution, max-pooling and Adam kernels against their CPU twins (src/cpu/conv.ts,
 * pool.ts, update.ts) on awkward shapes: odd sizes, stride larger than the kernel, padding
 * larger than the kernel's half, one channel, many channels, batch 1, channel counts that
 * are not multiples of the kernels' blocks of four. Outputs are poisoned (NaN) first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpuConv from '../../../src/cpu/conv.ts';
import * as cpuPool from '../../../src/cpu/pool.ts';
import { adamUpdate as cpuAdam, adamwUpdate as cpuAdamW } from '../../../src/cpu/update.ts';
import { readBuffer, readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { MATMUL_VARIANTS } from '../../../src/gpu/matmul-plans.ts';
import { col2im, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardWeightUpdate, conv2dForward, im2col, weightSlices } from '../../../src/gpu/ops/conv.ts';
import { maxPoolBackward, maxPoolForward } from '../../../src/gpu/ops/pool.ts';
import { adamUpdate, optimizerBuffer, optimizerWords } from '../../../src/gpu/ops/update.ts';
import { STEP_LR_WORD, STEP_SLOT_BYTES, type KernelCache } from '../../../src/gpu/kernels.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';
import { Rng } from '../../../src/model/rng.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

const TOL = { atol: 1e-4, rtol: 1e-4 };

// [B, IC, H, W, OC, KH, KW, stride, pad]
const CONV_SHAPES: [number, number, number, number, number, number, number, number, number][] = [
  [1, 1, 6, 6, 1, 3, 3, 1, 0], // the notes' example size
  [3, 1, 28, 28, 6, 5, 5, 1, 2], // LeNet-5 conv 1
  [2, 6, 14, 14, 16, 5, 5, 1, 0], // LeNet-5 conv 2
  [2, 3, 13, 11, 5, 3, 3, 2, 1], // odd sizes, stride 2, OC not a multiple of 4
  [1, 2, 9, 9, 3, 2, 2, 3, 0], // stride larger than the kernel
  [2, 1, 7, 5, 2, 3, 3, 1, 3], // padding larger than the kernel's half
  [1, 3, 31, 31, 7, 11, 11, 4, 2], // AlexNet's 11×11 stride 4
  [2, 9, 8, 8, 12, 1, 1, 1, 0], // 1×1 kernel, many channels
  [1, 2, 10, 7, 3, 3, 5, 2, 2], // non-square kernel
  [11, 2, 28, 28, 4, 3, 3, 1, 1], // 8,624 im2col rows: a split-K weight gradient with a ragged last slice
  [2, 8, 9, 7, 5, 3, 3, 2, 1], // IC a multiple of 4 (im2col loads four channels at once), odd sizes, OC 5
];

it('the weight gradient is split over im2col rows where they are many', () => {
  expect(weightSlices(cpuConv.convGeometry(11, 2, 28, 28, 4, 3, 3, 1, 1))).toBe(8); // 8,624 rows, ~1,024 a slice
  expect(weightSlices(cpuConv.convGeometry(1, 1, 6, 6, 1, 3, 3, 1, 0))).toBe(1);
  expect(weightSlices(cpuConv.convGeometry(100, 1, 28, 28, 6, 5, 5, 1, 2))).toBe(77); // lenet5's first layer
  expect(weightSlices(cpuConv.convGeometry(1000, 1, 28, 28, 6, 5, 5, 1, 2))).toBe(128); // at batch 1000: the cap
});

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

describe('im2col and col2im against src/cpu/conv.ts', () => {
  for (const [B, IC, H, W, OC, KH, KW, S, P] of CONV_SHAPES) {
    const g = cpuConv.convGeometry(B, IC, H, W, OC, KH, KW, S, P);
    const { rows, cols } = cpuConv.colShape(g);
    const name = `B=${B} ${H}×${W}×${IC} → ${g.OH}×${g.OW}, ${KH}×${KW} s${S} p${P}`;
    it(`im2col ${name}`, async () => {
      const x = seededArray(B * H * W * IC, 1 + H, 0, 1);
      const d = k.device;
      const col = poisoned(d, 'col', rows * cols);
      await run(d, [await im2col(k, col, storageBuffer(d, 'x', x), g)]);
      const want = new Float64Array(rows * cols);
      cpuConv.im2col(want, Float64Array.from(x), g);
      expectClose(`col ${name}`, await readFloats(d, col, want.length), want, { atol: 0, rtol: 0 });
    });
    it(`col2im ${name}`, async () => {
      const dCol = seededArray(rows * cols, 2 + W);
      const xPrev = seededArray(B * H * W * IC, 3, 0, 1);
      const d = k.device;
      const dX = poisoned(d, 'dX', xPrev.length);
      const toX = await col2im(k, dX, storageBuffer(d, 'dCol', dCol), storageBuffer(d, 'xPrev', xPrev), g, 'sigmoid');
      // Four channels per invocation where IC allows, two where it is even (LeNet-5's 6).
      expect(toX.label).toMatch(IC % 4 === 0 ? /\[col2im_vec4\]$/ : IC % 2 === 0 ? /\[col2im_vec2\]$/ : /\[col2im\]$/);
      await run(d, [toX]);
      const want = new Float64Array(xPrev.length);
      cpuConv.col2im(want, Float64Array.from(dCol), Float64Array.from(xPrev), g, 'sigmoid');
      expectClose(`dX ${name}`, await readFloats(d, dX, want.length), want, TOL);
    });
  }
});

describe('the im2col route computes the convolution (CPU, float64, against the direct loops)', () => {
  for (const [B, IC, H, W, OC, KH, KW, S, P] of CONV_SHAPES) {
    const g = cpuConv.convGeometry(B, IC, H, W, OC, KH, KW, S, P);
    it(`B=${B} ${H}×${W}×${IC} → ${OC}, ${KH}×${KW} s${S} p${P}`, () => {
      const { rows, cols } = cpuConv.colShape(g);
      const x = Float64Array.from(seededArray(B * H * W * IC, 4, 0, 1));
      const wb = Float64Array.from(seededArray((cols + 1) * OC, 5));
      const out = new Float64Array(rows * OC);
      const want = new Float64Array(rows * OC);
      cpuConv.conv2dForward(out, new Float64Array(rows * cols), x, wb, g, 'tanh');
      cpuConv.conv2dDirect(want, x, wb, g, 'tanh');
      expectClose('out', out, want, { atol: 1e-12, rtol: 1e-12 });
    });
  }
});

// The whole layer on the GPU, every matmul variant, against the CPU twins (conv2dDirect for the forward pass).
describe('conv2d layer on the GPU against src/cpu/conv.ts', () => {
  for (const variant of MATMUL_VARIANTS) {
    for (const [B, IC, H, W, OC, KH, KW, S, P] of CONV_SHAPES.filter((_, i) => variant === 'vec4' || i % 3 === 1)) {
      const g = cpuConv.convGeometry(B, IC, H, W, OC, KH, KW, S, P);
      const { rows, cols } = cpuConv.colShape(g);
      const name = `${variant} B=${B} ${H}×${W}×${IC} → ${OC}×${g.OH}×${g.OW}, ${KH}×${KW} s${S} p${P}`;
      const x = seededArray(B * H * W * IC, 1 + H, 0, 1);
      const wb = seededArray((cols + 1) * OC, 2 + KH);
      const dY = seededArray(rows * OC, 3 + OC);
      it(`forward, backward weight (+SGD), backward input ${name}`, async () => {
        const d = k.device;
        const xb = storageBuffer(d, 'x', x);
        const wbb = storageBuffer(d, 'wb', wb);
        const col = poisoned(d, 'col', rows * cols);
        const out = poisoned(d, 'out', rows * OC);
        await run(d, await conv2dForward(k, variant, out, col, xb, wbb, g, 'relu'));
        const want = new Float64Array(rows * OC);
        cpuConv.conv2dDirect(want, Float64Array.from(x), Float64Array.from(wb), g, 'relu');
        expectClose(`out ${name}`, await readFloats(d, out, want.length), want, TOL);

        const dYb = storageBuffer(d, 'dY', dY);
        const dWb = poisoned(d, 'dWb', wb.length);
        const opt = optimizerBuffer(d, paramLayout(denseNetwork([cols, OC])), 0.01, 0.1, 0);
        await run(d, await conv2dBackwardWeight(k, variant, dWb, col, dYb, opt, g));
        const colCpu = new Float64Array(rows * cols);
        cpuConv.im2col(colCpu, Float64Array.from(x), g);
        const wantDW = new Float64Array(wb.length);
        cpuConv.conv2dBackwardWeight(wantDW, colCpu, Float64Array.from(dY), g);
        expectClose(`dWb ${name}`, await readFloats(d, dWb, wb.length), wantDW, { atol: 1e-3, rtol: 1e-4 });

        const dX = poisoned(d, 'dX', x.length);
        const dCol = poisoned(d, 'dCol', rows * cols);
        await run(d, await conv2dBackwardInput(k, variant, dX, dCol, dYb, wbb, xb, g, 'sigmoid'));
        const wantDX = new Float64Array(x.length);
        cpuConv.conv2dBackwardInput(wantDX, new Float64Array(rows * cols), Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(x), g, 'sigmoid');
        expectClose(`dX ${name}`, await readFloats(d, dX, x.length), wantDX, TOL);

        await run(d, await conv2dBackwardWeightUpdate(k, variant, wbb, col, dYb, opt, g));
        const wantWb = Float64Array.from(wb);
        for (let i = 0; i < wantWb.length; i++) wantWb[i] -= 0.01 * (wantDW[i] + (i < cols * OC ? 0.1 * wb[i] : 0));
        expectClose(`wb after SGD ${name}`, await readFloats(d, wbb, wb.length), wantWb, TOL);
      });
    }
  }
});

// [B, C, H, W, K, stride, pad]
const POOL_SHAPES: [number, number, number, number, number, number, number][] = [
  [1, 1, 6, 6, 3, 1, 0], // overlapping windows
  [1, 1, 6, 6, 3, 3, 0],
  [3, 6, 28, 28, 2, 2, 0], // LeNet-5
  [2, 5, 13, 11, 2, 2, 0], // odd sizes: the last row and column are dropped
  [2, 3, 9, 9, 3, 2, 1], // padding
  [1, 2, 7, 7, 2, 3, 0], // stride larger than the window
  [1, 1, 5, 5, 5, 1, 2], // window as large as the image, padding never wins
];

describe('max-pool kernels against src/cpu/pool.ts', () => {
  for (const [B, C, H, W, K, S, P] of POOL_SHAPES) {
    const g = cpuPool.poolGeometry(B, C, H, W, K, S, P);
    const name = `B=${B} ${C}×${H}×${W}, ${K}×${K} s${S} p${P} → ${g.OH}×${g.OW}`;
    // Negative values too, so that padding taken as 0 would win and be caught; a few ties.
    // Layout (B, H, W, C).
    const x = seededArray(B * C * H * W, 5 + W, -1, 1).map((v, i) => (i % 7 === 3 ? 0.25 : v));
    const n = B * C * g.OH * g.OW;

    it(`forward and backward ${name}`, async () => {
      const d = k.device;
      const out = poisoned(d, 'out', n);
      const argmax = poisoned(d, 'argmax', n);
      const xb = storageBuffer(d, 'x', x);
      await run(d, [await maxPoolForward(k, out, argmax, xb, g)]);
      const want = new Float64Array(n);
      const wantArg = new Uint32Array(n);
      cpuPool.maxPoolForward(want, wantArg, Float64Array.from(x), g);
      expectClose(`out ${name}`, await readFloats(d, out, n), want, { atol: 0, rtol: 0 });
      expect(Array.from(new Uint32Array(await readBuffer(d, argmax, n * 4)))).toEqual(Array.from(wantArg));

      const dY = seededArray(n, 6 + K);
      const dX = poisoned(d, 'dX', x.length);
      await run(d, [await maxPoolBackward(k, dX, storageBuffer(d, 'dY', dY), argmax, xb, g, 'tanh')]);
      const wantDX = new Float64Array(x.length);
      cpuPool.maxPoolBackward(wantDX, Float64Array.from(dY), wantArg, Float64Array.from(x), g, 'tanh');
      expectClose(`dX ${name}`, await readFloats(d, dX, x.length), wantDX, TOL);
    });
  }
});

describe('adam_update against src/cpu/update.ts', () => {
  // Each mini-batch's rate comes from its step slot; the optimiser buffer's lr (5) must go unread.
  const RATES = [0.01, 0.006, 0.012];
  for (const optimizer of ['adam', 'adamw'] as const) {
    it(`${optimizer}: three steps at their own rates over a two-layer buffer, twice, padding untouched`, async () => {
      const d = k.device;
      const layout = paramLayout(denseNetwork([13, 7, 3]));
      const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
      // AdamW's weight decay, large enough to move weights visibly beside the step; Adam's L2.
      const [l2, weightDecay] = optimizer === 'adamw' ? [0, 0.5] : [0.001, 0];
      const params = seededArray(layout.total, 21);
      const paramsGpu = storageBuffer(d, 'params', params);
      const m = storageBuffer(d, 'm', layout.total * 4);
      const v = storageBuffer(d, 'v', layout.total * 4);
      const want = { p: Float64Array.from(params), m: new Float64Array(layout.total), v: new Float64Array(layout.total) };
      const opt = optimizerBuffer(d, layout, 5, l2, 0);
      const stepBuffer = d.createBuffer({ size: STEP_SLOT_BYTES * 3, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      const words = new Uint32Array(stepBuffer.getMappedRange());
      for (let s = 0; s < 3; s++) {
        words[(s * STEP_SLOT_BYTES) / 4] = s;
        new Float32Array(words.buffer)[(s * STEP_SLOT_BYTES) / 4 + STEP_LR_WORD] = RATES[s];
      }
      stepBuffer.unmap();
      const step = k.stepBindGroup(stepBuffer, 'steps');
      const rng = new Rng(3);
      for (let t0 = 0; t0 < 2; t0++) {
        // Two "epochs" of three steps: t continues from t0·3.
        d.queue.writeBuffer(opt, 0, optimizerWords(layout, 5, l2, 0, { ...adam, t0: t0 * 3, weightDecay }));
        for (let s = 0; s < 3; s++) {
          const grads = Float32Array.from({ length: layout.total }, () => rng.normal() * 0.1);
          const dispatch = await adamUpdate(k, paramsGpu, m, v, storageBuffer(d, 'g', grads), opt, layout.total, step, optimizer === 'adamw');
          await run(d, [dispatch], s * STEP_SLOT_BYTES);
          const t = t0 * 3 + s + 1;
          if (optimizer === 'adamw') cpuAdamW(want.p, want.m, want.v, grads, layout, RATES[s], weightDecay, adam, t);
          else cpuAdam(want.p, want.m, want.v, grads, layout, RATES[s], l2, adam, t);
        }
      }
      // Each step moves a weight by about lr = 0.01 whatever the gradient's size; f32 pow, sqrt and the
      // cancellation in 1 − β2^t leave it correct to about 1e-4 of that.
      const got = await readFloats(d, paramsGpu, layout.total);
      expectClose('params', got, want.p, { atol: 1e-5, rtol: 1e-5 });
      expectClose('m', await readFloats(d, m, layout.total), want.m, { atol: 1e-7, rtol: 1e-5 });
      expect(got[layout.layers[0].offset + layout.layers[0].size]).toBe(params[layout.layers[0].offset + layout.layers[0].size]); // padding
      if (optimizer === 'adamw') {
        // The decay is there, and on weights only: without it the weights differ, the biases do not.
        const plain = { p: Float64Array.from(params), m: new Float64Array(layout.total), v: new Float64Array(layout.total) };
        const again = new Rng(3);
        for (let t0 = 0; t0 < 2; t0++) {
          for (let s = 0; s < 3; s++) {
            const grads = Float32Array.from({ length: layout.total }, () => again.normal() * 0.1);
            cpuAdam(plain.p, plain.m, plain.v, grads, layout, RATES[s], 0, adam, t0 * 3 + s + 1);
          }
        }
        const { offset, weights, size } = layout.layers[0];
        expect(Math.abs(got[offset] - plain.p[offset])).toBeGreaterThan(1e-4);
        expectClose('biases (not decayed)', got.slice(offset + weights, offset + size), plain.p.slice(offset + weights, offset + size), { atol: 1e-5, rtol: 1e-5 });
      }
    });
  }
});
