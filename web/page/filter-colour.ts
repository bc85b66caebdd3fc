/**
 * A first-layer filter over 3 input channels (R, G, B) as one colour image, as colour
 * networks' first filters are usually shown (Krizhevsky et al. 2012, figure 3): each weight
 * is mapped to 0–255 with one scale shared by the filter's three channels, from its lowest
 * weight (0) to its highest (255), so a filter's colours compare (a red patch weighs red
 * more than green and blue) where a scale per channel would stretch each to full range.
 */
import type { FilterShape } from '../shared/feature-maps.ts';

/**
 * RGBA pixels (KH × KW, row-major) of filter `o` of W (C × OC row-major, rows in (i, j, c)
 * order as web/shared/feature-maps.ts filterImage reads them), IC = 3. A filter of one
 * weight value throughout draws mid-grey.
 */
export function filterRgba(W: Float32Array, OC: number, shape: FilterShape, o: number): Uint8ClampedArray<ArrayBuffer> {
  const { KH, KW, IC } = shape;
  if (IC !== 3) throw new Error(`filterRgba draws filters over 3 channels (R, G, B), not ${IC}`);
  const weight = (i: number, j: number, c: number) => W[((i * KW + j) * IC + c) * OC + o];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      for (let c = 0; c < 3; c++) {
        lo = Math.min(lo, weight(i, j, c));
        hi = Math.max(hi, weight(i, j, c));
      }
    }
  }
  const range = hi - lo;
  const rgba = new Uint8ClampedArray(4 * KH * KW);
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      const p = 4 * (i * KW + j);
      for (let c = 0; c < 3; c++) rgba[p + c] = range > 0 ? Math.round((255 * (weight(i, j, c) - lo)) / range) : 128;
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}
