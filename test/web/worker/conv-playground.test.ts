/**
 * The convolution playground (web/worker/conv-playground.ts, web/worker/playground-gpu.ts): output sizes,
 * kernel blocks, the CPU twin against the notes' definition (src/cpu/conv.ts convolve2d and
 * crossCorrelate2d), and the GPU run against the CPU twin, on a 28×28 image, an odd one and
 * an odd colour one (each kernel over the channels' mean, max pooling per channel).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { convolve2d, crossCorrelate2d } from '../../../src/cpu/conv.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import type { PlaygroundOutput, PlaygroundRequest } from '../../../web/shared/worker-protocol.ts';
import {
  checkRequest, kernelBlock, NOTE_KERNELS, outputSizeText, runPlaygroundCpu, sizeFormula, type PlaygroundInput,
} from '../../../web/worker/conv-playground.ts';
import { runPlaygroundGpu } from '../../../web/worker/playground-gpu.ts';
import { expectClose } from '../../helpers/compare.ts';
import { testKernels } from '../../helpers/gpu.ts';

/** float32 sums of at most 25 products of values ≤ 4 (atol), and the hypot of two (rtol). */
const TOL = { atol: 1e-5, rtol: 1e-5 };

const request = (conv: PlaygroundRequest['conv'], pool: PlaygroundRequest['pool']): PlaygroundRequest => ({
  source: { kind: 'mnist', index: 0 },
  conv,
  pool,
});

/** A bright, slanted bar with a ramp: edges in both directions, no two neighbours alike. */
function testImage(H: number, W: number): Uint8Array {
  const pixels = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) pixels[y * W + x] = Math.abs(x - y / 2 - W / 3) < 3 ? 200 + ((x * 7 + y * 3) % 50) : (x * 5 + y * 11) % 40;
  return pixels;
}

/** The bar in colour, channels last: red the bar, green and blue other ramps. */
function colourImage(H: number, W: number): Uint8Array {
  const gray = testImage(H, W);
  const pixels = new Uint8Array(H * W * 3);
  for (let p = 0; p < H * W; p++) pixels.set([gray[p], (p * 13) % 256, 255 - gray[p]], 3 * p);
  return pixels;
}

const grayInput = (pixels: Uint8Array, height: number, width: number): PlaygroundInput => ({ pixels, height, width, channels: 1 });

const byId = (outputs: PlaygroundOutput[], id: string) => outputs.find((o) => o.id === id)!;

describe('output sizes', () => {
  it('works out (W − K + 2P)/S + 1 as the notes do, with floor brackets when S does not divide', () => {
    expect(sizeFormula(28, 5, 1, 2)).toBe('(28 − 5 + 2·2)/1 + 1 = 28');
    expect(sizeFormula(28, 3, 2, 0)).toBe('⌊(28 − 3 + 2·0)/2⌋ + 1 = 13');
    expect(sizeFormula(6, 3, 3, 0)).toBe('(6 − 3 + 2·0)/3 + 1 = 2'); // the notes' 3×3 pooling with stride 3
    expect(outputSizeText(28, 28, 5, 1, 0)).toBe('(28 − 5 + 2·0)/1 + 1 = 24: 24×24');
    expect(outputSizeText(20, 28, 3, 1, 0)).toBe('height (20 − 3 + 2·0)/1 + 1 = 18, width (28 − 3 + 2·0)/1 + 1 = 26: 18×26');
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => checkRequest(request({ stride: 0, pad: 0, flip: true }, { size: 2, stride: 2, pad: 2 }))).toThrow(
      'Playground: convolution stride 0 must be a whole number ≥ 1; pooling padding 2 must be smaller than the window 2.',
    );
  });
});

describe('kernels', () => {
  it('are the notes’ kernels: mean and Gaussian sum to 1, derivatives to 0', () => {
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    expect(sum(NOTE_KERNELS.mean.values)).toBeCloseTo(1, 12);
    expect(sum(NOTE_KERNELS.gaussian.values)).toBeCloseTo(1, 12);
    expect(NOTE_KERNELS.gaussian.values[12]).toBeCloseTo(41 / 273, 12);
    expect(sum(NOTE_KERNELS.dx.values)).toBe(0);
    expect(NOTE_KERNELS.dy.values).toEqual([-1, -2, -1, 0, 0, 0, 1, 2, 1]);
  });

  it('go into a layer block as W (CKP, OC) rows (i·K + j), flipped for the notes’ convolution, rows past K² and the bias 0', () => {
    const wb = kernelBlock([NOTE_KERNELS.dx, NOTE_KERNELS.dy], false);
    expect(wb).toHaveLength((12 + 1) * 2); // 9 rows padded to 12, plus the bias row
    expect(wb[(0 * 3 + 2) * 2 + 0]).toBe(1); // dx at (0, 2)
    expect(wb[(2 * 3 + 1) * 2 + 1]).toBe(2); // dy at (2, 1)
    expect([...wb.subarray(9 * 2)]).toEqual(new Array(8).fill(0));
    const flipped = kernelBlock([NOTE_KERNELS.dx, NOTE_KERNELS.dy], true);
    expect(flipped[(0 * 3 + 2) * 2 + 0]).toBe(-1);
    expect(flipped[(0 * 3 + 1) * 2 + 1]).toBe(2);
  });

  it('span a colour image’s three channels, a third of the kernel on each: rows ((i·K + j)·3 + c)', () => {
    const wb = kernelBlock([NOTE_KERNELS.dx, NOTE_KERNELS.dy], false, 3);
    expect(wb).toHaveLength((28 + 1) * 2); // 27 rows padded to 28, plus the bias row
    for (let c = 0; c < 3; c++) {
      expect(wb[((0 * 3 + 2) * 3 + c) * 2 + 0]).toBeCloseTo(1 / 3, 7); // dx at (0, 2)
      expect(wb[((2 * 3 + 1) * 3 + c) * 2 + 1]).toBeCloseTo(2 / 3, 7); // dy at (2, 1)
    }
    expect([...wb.subarray(27 * 2)]).toEqual(new Array(4).fill(0));
  });
});

describe('the CPU twin computes the notes’ definitions', () => {
  const H = 28;
  const W = 28;
  const pixels = testImage(H, W);
  const f = Float64Array.from(pixels, (p) => p / 255);
  for (const flip of [true, false]) {
    it(`${flip ? 'convolution (flipped)' : 'cross-correlation'}, stride 2, padding 1; max pooling 3×3 stride 2 padding 1`, () => {
      const outputs = runPlaygroundCpu(grayInput(pixels, H, W), request({ stride: 2, pad: 1, flip }, { size: 3, stride: 2, pad: 1 }));
      const define = flip ? convolve2d : crossCorrelate2d;
      for (const k of Object.values(NOTE_KERNELS)) {
        const out = byId(outputs, k.id);
        expect(out.height, k.id).toBe(Math.floor((28 - k.K + 2) / 2) + 1);
        expectClose(k.id, out.values, define(f, H, W, k.values, k.K, k.K, 2, 1), TOL);
      }
      const gx = define(f, H, W, NOTE_KERNELS.dx.values, 3, 3, 2, 1);
      const gy = define(f, H, W, NOTE_KERNELS.dy.values, 3, 3, 2, 1);
      expectClose('sobel', byId(outputs, 'sobel').values, gx.map((x, p) => Math.hypot(x, gy[p])), TOL);
      const pool = byId(outputs, 'pool');
      expect([pool.height, pool.width, pool.formula]).toEqual([14, 14, '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14']);
      // Window of output (5, 7): rows 9..11, columns 13..15.
      let max = 0;
      for (let y = 9; y <= 11; y++) for (let x = 13; x <= 15; x++) max = Math.max(max, f[y * W + x]);
      expect(pool.values[5 * 14 + 7]).toBeCloseTo(max, 6);
    });
  }

  it('filters a colour image as a conv layer does: each kernel over the channels’ mean, one channel; max pooling per channel', () => {
    const [H, W] = [13, 9];
    const pixels = colourImage(H, W);
    const outputs = runPlaygroundCpu({ pixels, height: H, width: W, channels: 3 }, request({ stride: 2, pad: 1, flip: true }, { size: 3, stride: 2, pad: 1 }));
    const mean = Float64Array.from({ length: H * W }, (_, p) => (pixels[3 * p] + pixels[3 * p + 1] + pixels[3 * p + 2]) / (3 * 255));
    for (const k of Object.values(NOTE_KERNELS)) {
      const out = byId(outputs, k.id);
      expect(out.channels, k.id).toBe(1);
      expectClose(k.id, out.values, convolve2d(mean, H, W, k.values, k.K, k.K, 2, 1), TOL);
    }
    const pool = byId(outputs, 'pool');
    expect([pool.height, pool.width, pool.channels]).toEqual([7, 5, 3]);
    // Output (3, 2) of channel c: the largest of rows 5..7, columns 3..5 of that channel alone.
    for (let c = 0; c < 3; c++) {
      let max = 0;
      for (let y = 5; y <= 7; y++) for (let x = 3; x <= 5; x++) max = Math.max(max, pixels[3 * (y * W + x) + c] / 255);
      expect(pool.values[3 * (3 * 5 + 2) + c], `channel ${c}`).toBeCloseTo(max, 6);
    }
  });

  it('says which results do not fit rather than computing them', () => {
    const outputs = runPlaygroundCpu(grayInput(testImage(4, 4), 4, 4), request({ stride: 1, pad: 0, flip: true }, { size: 2, stride: 2, pad: 0 }));
    expect(byId(outputs, 'mean').values).toHaveLength(4);
    expect(byId(outputs, 'gaussian').error).toBe('the 5×5 window does not fit the 4×4 image with padding 0: the output would be 0×0');
    expect(byId(outputs, 'gaussian').values).toHaveLength(0);
  });
});

describe('the playground on the GPU against its CPU twin', () => {
  let k: KernelCache;
  beforeAll(async () => {
    k = await testKernels();
  });
  const cases: [number, number, 1 | 3, PlaygroundRequest][] = [
    [28, 28, 1, request({ stride: 1, pad: 2, flip: true }, { size: 2, stride: 2, pad: 0 })],
    [28, 28, 1, request({ stride: 3, pad: 0, flip: false }, { size: 3, stride: 1, pad: 1 })],
    [13, 9, 1, request({ stride: 2, pad: 3, flip: true }, { size: 4, stride: 3, pad: 2 })],
    [13, 9, 3, request({ stride: 2, pad: 1, flip: false }, { size: 3, stride: 2, pad: 1 })],
  ];
  for (const [H, W, C, r] of cases) {
    it(`${C}×${H}×${W}, convolution stride ${r.conv.stride} padding ${r.conv.pad}${r.conv.flip ? ' flipped' : ''}, pool ${r.pool.size} s${r.pool.stride} p${r.pool.pad}`, async () => {
      const image = { pixels: C === 3 ? colourImage(H, W) : testImage(H, W), height: H, width: W, channels: C };
      const want = runPlaygroundCpu(image, r);
      for (const variant of ['vec4', 'naive'] as const) {
        const got = await runPlaygroundGpu(k, image, r, variant);
        expect(got.map((o) => [o.id, o.height, o.width, o.channels, o.formula])).toEqual(want.map((o) => [o.id, o.height, o.width, o.channels, o.formula]));
        for (const [i, o] of got.entries()) expectClose(`${variant} ${o.id}`, o.values, want[i].values, TOL);
      }
    });
  }
});
