/**
 * The average-pooling and global-average-pooling kernels against their CPU twins
 * (src/cpu/avgpool.ts) on awkward shapes: odd sizes, batch 1, one and many channels,
 * overlapping windows, stride larger than the window, padding, a window as large as the
 * image. Outputs are poisoned (NaN) first, so an unwritten element fails.
 */
import { beforeAll, describe, it } from 'vitest';
import * as cpu from '../../../src/cpu/avgpool.ts';
import { poolGeometry } from '../../../src/cpu/pool.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { avgPoolBackward, avgPoolForward, globalAvgPoolBackward, globalAvgPoolForward } from '../../../src/gpu/ops/avgpool.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// f32 sums of at most K² (or H·W ≤ 143) terms of size ≤ 1 in another order than the CPU's
// float64: about 1e-6 relative; 1e-5 leaves room without hiding a wrong index (which is off by O(0.1)).
const TOL = { atol: 1e-5, rtol: 1e-5 };

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

// [B, C, H, W, K, stride, pad]
const POOL_SHAPES: [number, number, number, number, number, number, number][] = [
  [1, 1, 6, 6, 3, 1, 0], // overlapping windows
  [3, 6, 28, 28, 2, 2, 0], // LeNet-5's size
  [2, 5, 13, 11, 2, 2, 0], // odd sizes: the last row and column are dropped
  [2, 3, 9, 9, 3, 2, 1], // padding counted as zeros
  [1, 2, 7, 7, 2, 3, 0], // stride larger than the window
  [1, 1, 5, 5, 5, 1, 2], // window as large as the image, padding 2
  [2, 7, 10, 7, 4, 3, 3], // padding 3 < 4, stride ≠ size, ragged edges
];

describe('avgpool kernels against src/cpu/avgpool.ts', () => {
  for (const [B, C, H, W, K, S, P] of POOL_SHAPES) {
    const g = poolGeometry(B, C, H, W, K, S, P);
    const name = `B=${B} ${C}×${H}×${W}, ${K}×${K} s${S} p${P} → ${g.OH}×${g.OW}`;
    it(`forward and backward ${name}`, async () => {
      const d = k.device;
      const x = seededArray(B * H * W * C, 5 + W, -1, 1); // (B, H, W, C)
      const n = B * g.OH * g.OW * C;
      const out = poisoned(d, 'out', n);
      const xb = storageBuffer(d, 'x', x);
      await run(d, [await avgPoolForward(k, out, xb, g)]);
      const want = new Float64Array(n);
      cpu.avgPoolForward(want, Float64Array.from(x), g);
      expectClose(`out ${name}`, await readFloats(d, out, n), want, TOL);

      const dY = seededArray(n, 6 + K);
      const dX = poisoned(d, 'dX', x.length);
      await run(d, [await avgPoolBackward(k, dX, storageBuffer(d, 'dY', dY), xb, g, 'tanh')]);
      const wantDX = new Float64Array(x.length);
      cpu.avgPoolBackward(wantDX, Float64Array.from(dY), Float64Array.from(x), g, 'tanh');
      expectClose(`dX ${name}`, await readFloats(d, dX, x.length), wantDX, TOL);
    });
  }
});

// [B, C, H, W]
const GAP_SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1], // a 1×1 map: the identity
  [1, 3, 7, 5],
  [7, 9, 13, 11], // odd everything
  [100, 16, 7, 7], // a batch of 100 after two poolings
  [2, 300, 2, 3], // more channels than a workgroup
];

describe('globalavgpool kernels against src/cpu/avgpool.ts', () => {
  for (const [B, C, H, W] of GAP_SHAPES) {
    const name = `B=${B} ${C}×${H}×${W}`;
    it(`forward and backward ${name}`, async () => {
      const d = k.device;
      const x = seededArray(B * H * W * C, 7 + C, -1, 1);
      const out = poisoned(d, 'out', B * C);
      const xb = storageBuffer(d, 'x', x);
      await run(d, [await globalAvgPoolForward(k, out, xb, B, C, H, W)]);
      const want = new Float64Array(B * C);
      cpu.globalAvgPoolForward(want, Float64Array.from(x), B, C, H, W);
      expectClose(`out ${name}`, await readFloats(d, out, B * C), want, TOL);

      const dY = seededArray(B * C, 8 + H);
      const dX = poisoned(d, 'dX', x.length);
      await run(d, [await globalAvgPoolBackward(k, dX, storageBuffer(d, 'dY', dY), xb, B, C, H, W, 'sigmoid')]);
      const wantDX = new Float64Array(x.length);
      cpu.globalAvgPoolBackward(wantDX, Float64Array.from(dY), Float64Array.from(x), B, C, H, W, 'sigmoid');
      expectClose(`dX ${name}`, await readFloats(d, dX, x.length), wantDX, TOL);
    });
  }
});
