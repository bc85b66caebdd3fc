/**
 * Max pooling's backward pass for windows that do not overlap (maxpool_backward_cells, one
 * invocation per output writing the cell of inputs it owns): the cells tile the image, the
 * CPU twin equals the general gather (src/cpu/pool.ts maxPoolBackward), and the kernel
 * equals its twin on awkward shapes: batch 1, odd sizes whose last rows no window covers,
 * channels not a multiple of 4, padding, stride larger than the window, 3×3 windows. dX is
 * poisoned (NaN) first, so an input no cell wrote fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpuPool from '../../../src/cpu/pool.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { maxPoolBackward, maxPoolBackwardKernel } from '../../../src/gpu/ops/pool.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

// One product dY·f'(x) per element, float32 against float64.
const TOL = { atol: 1e-6, rtol: 1e-6 };

// [B, C, H, W, K, stride, pad], all with stride ≥ K.
const SHAPES: [number, number, number, number, number, number, number][] = [
  [3, 6, 28, 28, 2, 2, 0], // LeNet-5's first pooling
  [1, 1, 6, 6, 3, 3, 0], // batch 1, one channel
  [2, 5, 13, 11, 2, 2, 0], // odd sizes: the last row and column are in no window
  [2, 3, 9, 9, 3, 3, 1], // padding
  [1, 7, 7, 8, 2, 3, 0], // stride larger than the window: inputs between windows
  [2, 2, 10, 7, 3, 4, 1], // both, and padding
  [1, 3, 4, 5, 4, 4, 2], // padding as large as half the window, cells clipped to the image
];

/** Inputs (B, H, W, C) with negatives (padding taken as 0 would win) and ties, their maxima's positions, and a dY. */
function pooled(g: cpuPool.PoolGeometry, seed: number) {
  const x = Float64Array.from(seededArray(g.B * g.H * g.W * g.C, seed, -1, 1)).map((v, i) => (i % 7 === 3 ? 0.25 : v));
  const n = g.B * g.OH * g.OW * g.C;
  const argmax = new Uint32Array(n);
  cpuPool.maxPoolForward(new Float64Array(n), argmax, x, g);
  return { x, argmax, dY: Float64Array.from(seededArray(n, seed + 1)) };
}

const shapeName = (g: cpuPool.PoolGeometry) => `B=${g.B} ${g.H}×${g.W}×${g.C}, ${g.K}×${g.K} s${g.stride} p${g.pad} → ${g.OH}×${g.OW}`;

describe('cells of non-overlapping windows (CPU)', () => {
  for (const [B, C, H, W, K, S, P] of SHAPES) {
    const g = cpuPool.poolGeometry(B, C, H, W, K, S, P);
    it(`tile the image and hold their windows: ${shapeName(g)}`, () => {
      const owner = new Int32Array(H * W).fill(-1);
      for (let oy = 0; oy < g.OH; oy++) {
        for (let ox = 0; ox < g.OW; ox++) {
          const { y0, x0, y1, x1 } = cpuPool.poolCell(g, oy, ox);
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
              expect(owner[y * W + x], `(${y}, ${x}) in two cells`).toBe(-1);
              owner[y * W + x] = oy * g.OW + ox;
            }
          }
          // The window's pixels inside the image lie in the cell.
          for (let y = Math.max(0, oy * S - P); y < Math.min(H, oy * S - P + K); y++) {
            for (let x = Math.max(0, ox * S - P); x < Math.min(W, ox * S - P + K); x++) expect(owner[y * W + x]).toBe(oy * g.OW + ox);
          }
        }
      }
      expect(owner.every((o) => o >= 0)).toBe(true);
    });

    it(`maxPoolBackwardCells equals the gather maxPoolBackward: ${shapeName(g)}`, () => {
      const { x, argmax, dY } = pooled(g, 3 + H);
      const want = new Float64Array(x.length);
      cpuPool.maxPoolBackward(want, dY, argmax, x, g, 'tanh');
      const got = new Float64Array(x.length).fill(NaN);
      cpuPool.maxPoolBackwardCells(got, dY, argmax, x, g, 'tanh');
      expectClose(`dX ${shapeName(g)}`, got, want, { atol: 0, rtol: 0 });
    });
  }

  it('the cells twin refuses overlapping windows, and the op runs the gather for them', () => {
    const overlapping = cpuPool.poolGeometry(1, 1, 6, 6, 3, 2, 0);
    expect(() => cpuPool.maxPoolBackwardCells(new Float64Array(36), new Float64Array(4), new Uint32Array(4), new Float64Array(36), overlapping, 'relu')).toThrow(
      /do not overlap.*use maxPoolBackward/,
    );
    expect(maxPoolBackwardKernel(overlapping)).toBe('maxpool_backward');
    expect(maxPoolBackwardKernel(cpuPool.poolGeometry(100, 6, 28, 28, 2, 2, 0))).toBe('maxpool_backward_cells');
  });
});

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

describe('maxpool_backward_cells against src/cpu/pool.ts maxPoolBackwardCells', () => {
  for (const [B, C, H, W, K, S, P] of SHAPES) {
    const g = cpuPool.poolGeometry(B, C, H, W, K, S, P);
    for (const act of ['relu', 'sigmoid'] as const) {
      it(`${act}: ${shapeName(g)}`, async () => {
        const { x, argmax, dY } = pooled(g, 5 + W);
        const d = k.device;
        const dX = poisoned(d, 'dX', x.length);
        const bwd = await maxPoolBackward(
          k, dX, storageBuffer(d, 'dY', Float32Array.from(dY)), storageBuffer(d, 'argmax', argmax), storageBuffer(d, 'x', Float32Array.from(x)), g, act,
        );
        expect(bwd.label).toContain('maxpool_backward_cells');
        await run(d, [bwd]);
        const want = new Float64Array(x.length);
        cpuPool.maxPoolBackwardCells(want, dY, argmax, x, g, act);
        expectClose(`dX ${act} ${shapeName(g)}`, await readFloats(d, dX, want.length), want, TOL);
      });
    }
  }
});
