/**
 * The convolution, max-pooling and Adam kernels against their CPU twins (src/cpu/conv.ts,
 * pool.ts, update.ts) on awkward shapes: odd sizes, stride larger than the kernel, padding
 * larger than the kernel's half, one channel, many channels, batch 1, channel counts that
 * are not multiples of the kernels' blocks of four. Outputs are poisoned (NaN) first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpuConv from '../../src/cpu/conv.ts';
import * as cpuPool from '../../src/cpu/pool.ts';
import { adamUpdate as cpuAdam } from '../../src/cpu/update.ts';
import { readBuffer, readFloats, storageBuffer } from '../../src/gpu/buffers.ts';
import {
  adamUpdate, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardWeightUpdate, conv2dForward, maxPoolBackward, maxPoolForward, weightPartialBytes,
} from '../../src/gpu/conv-ops.ts';
import type { KernelCache } from '../../src/gpu/kernels.ts';
import { optimizerBuffer, optimizerWords } from '../../src/gpu/ops.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { expectClose, seededArray } from '../helpers/compare.ts';
import { poisoned, run, testKernels } from '../helpers/gpu.ts';
import { Rng } from '../../src/model/rng.ts';

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
  [2, 9, 8, 8, 10, 1, 1, 1, 0], // 1×1 kernel, many channels
  [1, 2, 10, 7, 3, 3, 5, 2, 2], // non-square kernel
];

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

const ACTS = ['relu', 'sigmoid'] as const;

describe('conv2d kernels against src/cpu/conv.ts', () => {
  for (const [B, IC, H, W, OC, KH, KW, S, P] of CONV_SHAPES) {
    const g = cpuConv.convGeometry(B, IC, H, W, OC, KH, KW, S, P);
    const name = `B=${B} ${IC}×${H}×${W} → ${OC}×${g.OH}×${g.OW}, ${KH}×${KW} s${S} p${P}`;
    const CK = IC * KH * KW;
    const x = seededArray(B * IC * H * W, 1 + H, 0, 1);
    const wb = seededArray((CK + 1) * OC, 2 + KH);
    const dY = seededArray(B * OC * g.OH * g.OW, 3 + OC);

    for (const act of ACTS) {
      it(`forward ${name} ${act}`, async () => {
        const d = k.device;
        const out = poisoned(d, 'out', B * OC * g.OH * g.OW);
        await run(d, [await conv2dForward(k, out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), g, act)]);
        const want = new Float64Array(B * OC * g.OH * g.OW);
        cpuConv.conv2dForward(want, Float64Array.from(x), Float64Array.from(wb), g, act);
        expectClose(`out ${name}`, await readFloats(d, out, want.length), want, TOL);
      });
    }

    it(`backward input ${name}`, async () => {
      const d = k.device;
      const dX = poisoned(d, 'dX', x.length);
      await run(d, [await conv2dBackwardInput(k, dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'x', x), g, 'sigmoid')]);
      const want = new Float64Array(x.length);
      cpuConv.conv2dBackwardInput(want, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(x), g, 'sigmoid');
      expectClose(`dX ${name}`, await readFloats(d, dX, want.length), want, TOL);
    });

    it(`backward weight ${name}`, async () => {
      const d = k.device;
      const dWb = poisoned(d, 'dWb', wb.length);
      const partial = poisoned(d, 'partial', weightPartialBytes(g) / 4);
      const opt = optimizerBuffer(d, paramLayout({ sizes: [CK, OC] }), 0.1, 0.01, 0);
      await run(d, await conv2dBackwardWeight(k, dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), partial, opt, g));
      const want = new Float64Array(wb.length);
      cpuConv.conv2dBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), g);
      expectClose(`dWb ${name}`, await readFloats(d, dWb, want.length), want, { atol: 1e-3, rtol: 1e-4 });
    });

    it(`backward weight with the SGD step ${name}`, async () => {
      const d = k.device;
      const params = storageBuffer(d, 'wb', wb);
      const partial = poisoned(d, 'partial', weightPartialBytes(g) / 4);
      const opt = optimizerBuffer(d, paramLayout({ sizes: [CK, OC] }), 0.01, 0.1, 0);
      await run(d, await conv2dBackwardWeightUpdate(k, params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), partial, opt, g));
      const want = Float64Array.from(wb);
      cpuConv.conv2dBackwardWeightUpdate(want, Float64Array.from(x), Float64Array.from(dY), g, 0.01, 0.1);
      expectClose(`wb ${name}`, await readFloats(d, params, want.length), want, TOL);
    });
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
  it('three steps over a two-layer buffer, padding untouched', async () => {
    const d = k.device;
    const layout = paramLayout({ sizes: [13, 7, 3] });
    const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const params = seededArray(layout.total, 21);
    const paramsGpu = storageBuffer(d, 'params', params);
    const m = storageBuffer(d, 'm', layout.total * 4);
    const v = storageBuffer(d, 'v', layout.total * 4);
    const want = { p: Float64Array.from(params), m: new Float64Array(layout.total), v: new Float64Array(layout.total) };
    const opt = optimizerBuffer(d, layout, 0.01, 0.001, 0);
    const stepBuffer = d.createBuffer({ size: 256 * 3, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    const words = new Uint32Array(stepBuffer.getMappedRange());
    for (let s = 0; s < 3; s++) words[s * 64] = s;
    stepBuffer.unmap();
    const step = k.stepBindGroup(stepBuffer, 'steps');
    const rng = new Rng(3);
    for (let t0 = 0; t0 < 2; t0++) {
      // Two "epochs" of three steps: t continues from t0·3.
      d.queue.writeBuffer(opt, 0, optimizerWords(layout, 0.01, 0.001, 0, { ...adam, t0: t0 * 3 }));
      for (let s = 0; s < 3; s++) {
        const grads = Float32Array.from({ length: layout.total }, () => rng.normal() * 0.1);
        const dispatch = await adamUpdate(k, paramsGpu, m, v, storageBuffer(d, 'g', grads), opt, layout.total, step);
        await run(d, [dispatch], s * 256);
        cpuAdam(want.p, want.m, want.v, grads, layout, 0.01, 0.001, adam, t0 * 3 + s + 1);
      }
    }
    // Each step moves a weight by about lr = 0.01 whatever the gradient's size; f32 pow, sqrt and the
    // cancellation in 1 − β2^t leave it correct to about 1e-4 of that.
    expectClose('params', await readFloats(d, paramsGpu, layout.total), want.p, { atol: 1e-5, rtol: 1e-5 });
    expectClose('m', await readFloats(d, m, layout.total), want.m, { atol: 1e-7, rtol: 1e-5 });
    const got = await readFloats(d, paramsGpu, layout.total);
    expect(got[layout.layers[0].offset + layout.layers[0].size]).toBe(params[layout.layers[0].offset + layout.layers[0].size]); // padding
  });
});
