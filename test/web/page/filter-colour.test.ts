/**
 * First-layer weights over 3 channels as one RGB image each (web/page/filter-colour.ts): a
 * convolution's filter, or a dense layer's unit over a colour image; one scale for the
 * image's three channels.
 */
import { describe, expect, it } from 'vitest';
import { filterImage } from '../../../web/shared/feature-maps.ts';
import { denseUnitRgba, filterRgba } from '../../../web/page/filter-colour.ts';

/** W (KH·KW·IC × OC, rows in (i, j, c) order) with filter o's weight at (i, j, c) = f(o, i, j, c). */
function weights(OC: number, KH: number, KW: number, f: (o: number, i: number, j: number, c: number) => number): Float32Array {
  const W = new Float32Array(KH * KW * 3 * OC);
  for (let o = 0; o < OC; o++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) for (let c = 0; c < 3; c++) W[((i * KW + j) * 3 + c) * OC + o] = f(o, i, j, c);
  return W;
}

describe('filterRgba', () => {
  const shape = { KH: 2, KW: 3, IC: 3 };

  it('maps the filter lowest weight to 0 and its highest to 255 in every channel, one scale for all three', () => {
    // Filter 1: red weights 0…5 across the pixels, green all 5, blue all −5; filter 0 must not leak in.
    const W = weights(2, 2, 3, (o, i, j, c) => (o === 0 ? 100 * (c + 1) : c === 0 ? i * 3 + j : c === 1 ? 5 : -5));
    const rgba = filterRgba(W, 2, shape, 1);
    expect(rgba).toHaveLength(2 * 3 * 4);
    // Range −5 … 5: red 0 → 128 (127.5 rounded), red 5 → 255, green 5 → 255, blue −5 → 0.
    expect([...rgba.subarray(0, 4)]).toEqual([128, 255, 0, 255]);
    expect([...rgba.subarray(20, 24)]).toEqual([255, 255, 0, 255]);
    expect([...rgba.subarray(4, 8)]).toEqual([Math.round(255 * 0.6), 255, 0, 255]);
  });

  it('reads the layout filterImage reads: pixel (i, j) of channel c is the weight filterImage puts at row i, column c·KW + j', () => {
    const W = weights(3, 2, 3, (o, i, j, c) => Math.sin(1 + o * 7 + i * 5 + j * 3 + c));
    for (let o = 0; o < 3; o++) {
      const gray = filterImage(W, 3, shape, o);
      const rgba = filterRgba(W, 3, shape, o);
      const lo = Math.min(...gray);
      const hi = Math.max(...gray);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          for (let c = 0; c < 3; c++) expect(rgba[4 * (i * 3 + j) + c]).toBe(Math.round((255 * (gray[i * 9 + c * 3 + j] - lo)) / (hi - lo)));
        }
      }
    }
  });

  it('draws a constant filter mid-grey and refuses filters that are not over 3 channels', () => {
    expect([...filterRgba(weights(1, 2, 3, () => 0.25), 1, shape, 0).subarray(0, 4)]).toEqual([128, 128, 128, 255]);
    expect(() => filterRgba(new Float32Array(6), 1, { KH: 2, KW: 3, IC: 1 }, 0)).toThrow('filterRgba draws filters over 3 channels (R, G, B), not 1');
  });
});

describe('denseUnitRgba', () => {
  // A 2×3 colour image (P = 6 pixels), C = 18 inputs in planes (C×H×W): R 0..5, G 6..11, B 12..17.
  const P = 6;
  const OC = 3;
  /** W (C × OC) with unit o's weight for input c = f(o, c). */
  const weights = (f: (o: number, c: number) => number) => Float32Array.from({ length: 3 * P * OC }, (_, i) => f(i % OC, Math.floor(i / OC)));

  it('reads a unit’s weights as R, G and B planes (input c·P + p is channel c of pixel p), on one scale from its lowest to its highest', () => {
    // Unit 1: red weights 0…5 across the pixels, green all 5, blue all −5; units 0 and 2 must not leak in.
    const W = weights((o, c) => (o !== 1 ? 100 * (o + 1) : c < P ? c : c < 2 * P ? 5 : -5));
    const rgba = denseUnitRgba(W, OC, P, 1);
    expect(rgba).toHaveLength(4 * P);
    // Range −5 … 5: red 0 → 128 (127.5 rounded), red 5 → 255, green 5 → 255, blue −5 → 0.
    expect([...rgba.subarray(0, 4)]).toEqual([128, 255, 0, 255]);
    expect([...rgba.subarray(4, 8)]).toEqual([Math.round(255 * 0.6), 255, 0, 255]);
    expect([...rgba.subarray(20, 24)]).toEqual([255, 255, 0, 255]);
  });

  it('scales as filterRgba does: the same weights in a filter’s (i, j, c) rows draw the same image', () => {
    const unit = weights((o, c) => Math.sin(1 + o * 7 + c * 3));
    // The same weights moved to a 2×3 filter's rows: (p·3 + c) ← (c·P + p).
    const filter = new Float32Array(unit.length);
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) for (let o = 0; o < OC; o++) filter[(p * 3 + c) * OC + o] = unit[(c * P + p) * OC + o];
    for (let o = 0; o < OC; o++) expect(denseUnitRgba(unit, OC, P, o)).toEqual(filterRgba(filter, OC, { KH: 2, KW: 3, IC: 3 }, o));
  });

  it('draws a constant unit mid-grey and refuses weights that are not 3 planes of the image', () => {
    expect([...denseUnitRgba(new Float32Array(3 * P * OC).fill(0.5), OC, P, 2).subarray(0, 4)]).toEqual([128, 128, 128, 255]);
    expect(() => denseUnitRgba(new Float32Array(P * OC), OC, P, 0)).toThrow('denseUnitRgba: W has 6 rows, not 3 channels of 6 pixels');
  });
});
