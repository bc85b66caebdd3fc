/**
 * The lectures' own numbers (notes 003) for convolution and max pooling, and the CPU twins
 * of the convolution and pooling layers against centred finite differences in float64.
 */
import { describe, expect, it } from 'vitest';
import { activate, activationGrad } from '../../src/cpu/activations.ts';
import { col2im, colShape, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, convGeometry, convolve2d, crossCorrelate2d, flipKernel } from '../../src/cpu/conv.ts';
import { maxPoolBackward, maxPoolForward, poolGeometry } from '../../src/cpu/pool.ts';
import { seededArray } from '../helpers/compare.ts';

// notes 003: f (6×6) and the kernel g.
const F = [
  [1, 4, 5, 8, 2, 1],
  [0, 3, 1, 5, 7, 2],
  [1, 2, 1, 4, 7, 1],
  [2, 2, 0, 3, 6, 2],
  [0, 1, 7, 3, 5, 3],
  [1, 3, 4, 1, 2, 4],
].flat();
const G = [-1, 0, 1, -2, 0, 2, -3, 0, 3];

describe('the notes\' convolution examples', () => {
  it('1D: f[−3:3] = {1, 9, 0, 5, 2, 4, 3}, g[−1:1] = {−2, 0, 2}: (f∗g)[2] = −2', () => {
    // A 1D convolution is a 2D one over a 1 × n image; index 2 of f[−3:3] is position 5.
    // (f∗g)[n] = Σ_m f[n − m] g[m] = f[3]·g[−1] + f[2]·g[0] + f[1]·g[1] = 3·(−2) + 4·0 + 2·2 = −2.
    const f = [1, 9, 0, 5, 2, 4, 3];
    // Zero padding 1 keeps the indices aligned (it pads the single row too: the middle of
    // the three output rows is the signal's).
    const out = convolve2d(f, 1, 7, [-2, 0, 2], 1, 3, 1, 1);
    expect(out.length).toBe(3 * 7);
    expect(out[7 + 5]).toBe(-2);
  });

  it('2D without padding: the notes\' neighbourhood gives −36 by the definition (the notes print −45, an arithmetic slip)', () => {
    // The notes show the neighbourhood 1 5 7 / 1 4 7 / 0 3 6 for their example output: rows
    // 1–3, columns 2–4 of f, i.e. output (1, 2). By the definition (kernel flipped):
    // Σ f ⊙ rot180(g) = 1·3 + 7·(−3) + 1·2 + 7·(−2) + 0·1 + 6·(−1) = −36, not the printed −45.
    const out = convolve2d(F, 6, 6, G, 3, 3);
    expect(out.length).toBe(16); // (6 − 3 + 0)/1 + 1 = 4 per side
    expect(out[1 * 4 + 2]).toBe(-36);
    // Cross-correlation (what conv layers compute) is convolution with the flipped kernel.
    expect(Array.from(crossCorrelate2d(F, 6, 6, flipKernel(G, 3, 3), 3, 3))).toEqual(Array.from(out));
  });

  it('2D with zero padding 1: the notes\' (f∗g)[2][2] = 11 (top-right output over 0 0 0 / 2 1 0 / 7 2 0)', () => {
    const out = convolve2d(F, 6, 6, G, 3, 3, 1, 1);
    expect(out.length).toBe(36); // (6 − 3 + 2)/1 + 1 = 6 per side
    expect(out[0 * 6 + 5]).toBe(11);
  });

  it('max pooling 3×3 with stride 1 and stride 3', () => {
    const pool = (stride: number) => {
      const g = poolGeometry(1, 1, 6, 6, 3, stride, 0);
      const out = new Float64Array(g.OH * g.OW);
      maxPoolForward(out, new Uint32Array(out.length), Float64Array.from(F), g);
      return Array.from(out);
    };
    expect(pool(1)).toEqual([5, 8, 8, 8, 3, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6]);
    expect(pool(3)).toEqual([5, 8, 7, 6]);
  });

  it('output sizes follow (W − K + 2P)/S + 1', () => {
    expect(convGeometry(1, 3, 227, 227, 96, 11, 11, 4, 0)).toMatchObject({ OH: 55, OW: 55 }); // AlexNet's first layer
    expect(poolGeometry(1, 96, 55, 55, 3, 2, 0)).toMatchObject({ OH: 27, OW: 27 });
  });
});

const H = 1e-6;
const REL = 1e-6;

function expectGradient(name: string, analytic: Float64Array, f: (i: number, h: number) => number, n: number): void {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const fd = (f(i, H) - f(i, -H)) / (2 * H);
    const err = Math.abs(fd - analytic[i]) / Math.max(1e-3, Math.abs(fd) + Math.abs(analytic[i]));
    worst = Math.max(worst, err);
  }
  expect(worst, `${name}: worst relative error`).toBeLessThan(REL);
}

describe('convolution and pooling gradients against finite differences (float64)', () => {
  // [B, IC, H, W, OC, KH, KW, stride, pad]
  for (const [B, IC, Hh, W, OC, KH, KW, S, P] of [
    [2, 3, 7, 6, 5, 3, 3, 2, 1],
    [1, 2, 5, 5, 3, 2, 4, 1, 2],
  ]) {
    it(`conv2d B=${B} ${Hh}×${W}×${IC} → ${OC}, ${KH}×${KW} s${S} p${P}: dW, dB and dX`, () => {
      const g = convGeometry(B, IC, Hh, W, OC, KH, KW, S, P);
      const { rows, cols } = colShape(g);
      const x = Float64Array.from(seededArray(B * Hh * W * IC, 1, -1, 1));
      const wb = Float64Array.from(seededArray((cols + 1) * OC, 2, -0.5, 0.5));
      const r = Float64Array.from(seededArray(rows * OC, 3));
      const out = new Float64Array(rows * OC);
      const col = new Float64Array(rows * cols);
      // L = Σ r ⊙ tanh(conv(x)).
      const loss = (xv: Float64Array, w: Float64Array) => {
        conv2dForward(out, col, xv, w, g, 'tanh');
        return out.reduce((s, v, i) => s + r[i] * v, 0);
      };
      loss(x, wb);
      const dZ = Float64Array.from(out, (a, i) => r[i] * activationGrad(a, 'tanh'));
      const dWb = new Float64Array(wb.length);
      conv2dBackwardWeight(dWb, col, dZ, g);
      const dX = new Float64Array(x.length);
      conv2dBackwardInput(dX, new Float64Array(rows * cols), dZ, wb, x, g, 'identity');
      // Padded weight rows (cols > KH·KW·IC) meet zero columns: gradient exactly 0.
      for (let row = KH * KW * IC; row < cols; row++) for (let o = 0; o < OC; o++) expect(dWb[row * OC + o]).toBe(0);
      const nudge = (v: Float64Array, i: number, h: number) => {
        const c = v.slice();
        c[i] += h;
        return c;
      };
      expectGradient('dWb', dWb, (i, h) => loss(x, nudge(wb, i, h)), wb.length);
      expectGradient('dX', dX, (i, h) => loss(nudge(x, i, h), wb), x.length);
    });
  }

  it('col2im applies the previous activation\'s derivative', () => {
    const g = convGeometry(1, 2, 4, 4, 1, 3, 3, 1, 1);
    const { rows, cols } = colShape(g);
    const dCol = Float64Array.from(seededArray(rows * cols, 5));
    const xPrev = Float64Array.from(seededArray(32, 6, 0, 1));
    const [plain, through] = [new Float64Array(32), new Float64Array(32)];
    col2im(plain, dCol, xPrev, g, 'identity');
    col2im(through, dCol, xPrev, g, 'sigmoid');
    through.forEach((v, i) => expect(v).toBeCloseTo(plain[i] * xPrev[i] * (1 - xPrev[i]), 12));
  });

  for (const [B, C, Hh, W, K, S, P] of [
    [2, 3, 7, 7, 3, 2, 1],
    [1, 2, 6, 5, 2, 2, 0],
    [1, 1, 5, 5, 3, 1, 1],
  ]) {
    it(`max pool B=${B} ${Hh}×${W}×${C}, ${K}×${K} s${S} p${P}: dX`, () => {
      const g = poolGeometry(B, C, Hh, W, K, S, P);
      const x = Float64Array.from(seededArray(B * Hh * W * C, 7 + K, -1, 1)); // distinct values: no ties
      const n = B * g.OH * g.OW * C;
      const r = Float64Array.from(seededArray(n, 8));
      const out = new Float64Array(n);
      const arg = new Uint32Array(n);
      const loss = (xv: Float64Array) => {
        maxPoolForward(out, arg, xv, g);
        return out.reduce((s, v, i) => s + r[i] * activate(v, 'identity'), 0);
      };
      loss(x);
      const dX = new Float64Array(x.length);
      maxPoolBackward(dX, r, arg, x, g, 'identity');
      expectGradient('dX', dX, (i, h) => {
        const c = x.slice();
        c[i] += h;
        return loss(c);
      }, x.length);
    });
  }
});
