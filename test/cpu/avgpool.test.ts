/**
 * The CPU twins of average pooling and global average pooling (src/cpu/avgpool.ts): values
 * PyTorch gives (AvgPool2d with count_include_pad=True, AdaptiveAvgPool2d(1)), and the
 * backward passes, the previous layer's act′ included, against centred finite differences
 * in float64.
 */
import { describe, expect, it } from 'vitest';
import { activate } from '../../src/cpu/activations.ts';
import { avgPoolBackward, avgPoolForward, globalAvgPoolBackward, globalAvgPoolForward } from '../../src/cpu/avgpool.ts';
import { poolGeometry } from '../../src/cpu/pool.ts';
import { seededArray } from '../helpers/compare.ts';

describe('average pooling values', () => {
  it('padding counts as zeros: a 4×4 of ones, 3×3 stride 2 padding 1 (PyTorch: 4/9, 6/9, 6/9, 1)', () => {
    const g = poolGeometry(1, 1, 4, 4, 3, 2, 1);
    const out = new Float64Array(4);
    avgPoolForward(out, new Float64Array(16).fill(1), g);
    [4 / 9, 6 / 9, 6 / 9, 1].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 14));
  });

  it('2×2 windows over two channels, channels last', () => {
    // Channel 0 holds 0..15 row-major, channel 1 holds its negative.
    const x = Float64Array.from({ length: 32 }, (_, i) => (i % 2 ? -1 : 1) * Math.floor(i / 2));
    const out = new Float64Array(8);
    avgPoolForward(out, x, poolGeometry(1, 2, 4, 4, 2, 2, 0));
    expect(Array.from(out)).toEqual([2.5, -2.5, 4.5, -4.5, 10.5, -10.5, 12.5, -12.5]);
  });

  it('global average pooling: each channel\'s mean, per sample', () => {
    const x = Float64Array.from({ length: 2 * 6 * 3 }, (_, i) => i); // B 2, 2×3 map, 3 channels
    const out = new Float64Array(6);
    globalAvgPoolForward(out, x, 2, 3, 2, 3);
    expect(Array.from(out)).toEqual([7.5, 8.5, 9.5, 25.5, 26.5, 27.5]);
  });
});

const H = 1e-6;
// float64 centred differences of a smooth function: truncation O(h²), rounding ≈ ε/h ≈ 1e-10.
const REL = 1e-6;

function expectGradient(name: string, analytic: Float64Array, f: (i: number, h: number) => number): void {
  let worst = 0;
  for (let i = 0; i < analytic.length; i++) {
    const fd = (f(i, H) - f(i, -H)) / (2 * H);
    worst = Math.max(worst, Math.abs(fd - analytic[i]) / Math.max(1e-3, Math.abs(fd) + Math.abs(analytic[i])));
  }
  expect(worst, `${name}: worst relative error`).toBeLessThan(REL);
}

const nudged = (v: Float64Array, i: number, h: number) => {
  const c = v.slice();
  c[i] += h;
  return c;
};

// L(z) = Σ r ⊙ pool(tanh(z)): the backward pass given dY = r and the pooled a = tanh(z)
// must return ∂L/∂z, the previous layer's tanh′ fused in.
describe('gradients against finite differences (float64)', () => {
  // [B, C, H, W, K, stride, pad]
  for (const [B, C, Hh, W, K, S, P] of [
    [2, 3, 7, 7, 3, 2, 1],
    [1, 2, 6, 5, 2, 2, 0],
    [1, 1, 5, 5, 3, 1, 1],
    [2, 2, 9, 8, 2, 3, 1],
  ]) {
    it(`avg pool B=${B} ${Hh}×${W}×${C}, ${K}×${K} s${S} p${P}: dZ through tanh`, () => {
      const g = poolGeometry(B, C, Hh, W, K, S, P);
      const z = Float64Array.from(seededArray(B * Hh * W * C, 7 + K, -1, 1));
      const n = B * g.OH * g.OW * C;
      const r = Float64Array.from(seededArray(n, 8));
      const out = new Float64Array(n);
      const loss = (zv: Float64Array) => {
        avgPoolForward(out, zv.map((v) => activate(v, 'tanh')), g);
        return out.reduce((s, v, i) => s + r[i] * v, 0);
      };
      const dZ = new Float64Array(z.length);
      avgPoolBackward(dZ, r, z.map((v) => activate(v, 'tanh')), g, 'tanh');
      expectGradient('dZ', dZ, (i, h) => loss(nudged(z, i, h)));
    });
  }

  for (const [B, C, Hh, W] of [
    [2, 3, 5, 4],
    [1, 1, 1, 1],
  ]) {
    it(`global avg pool B=${B} ${Hh}×${W}×${C}: dZ through sigmoid`, () => {
      const z = Float64Array.from(seededArray(B * Hh * W * C, 9, -1, 1));
      const r = Float64Array.from(seededArray(B * C, 10));
      const out = new Float64Array(B * C);
      const loss = (zv: Float64Array) => {
        globalAvgPoolForward(out, zv.map((v) => activate(v, 'sigmoid')), B, C, Hh, W);
        return out.reduce((s, v, i) => s + r[i] * v, 0);
      };
      const dZ = new Float64Array(z.length);
      globalAvgPoolBackward(dZ, r, z.map((v) => activate(v, 'sigmoid')), B, C, Hh, W, 'sigmoid');
      expectGradient('dZ', dZ, (i, h) => loss(nudged(z, i, h)));
    });
  }
});
