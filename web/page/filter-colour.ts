/**
 * First-layer weights over 3 input channels (R, G, B) as one colour image each, as colour
 * networks' first filters are usually shown (Krizhevsky et al. 2012, figure 3): a
 * convolution's filter (filterRgba), or a dense layer's hidden unit, whose weights over a
 * colour image are an image of the input's size (denseUnitRgba). Each weight is mapped to
 * 0–255 with one scale shared by the image's three channels, from its lowest weight (0) to
 * its highest (255), so its colours compare (a red patch weighs red more than green and
 * blue) where a scale per channel would stretch each to full range.
 */
import type { FilterShape } from '../shared/feature-maps.ts';
import { imageRgba } from './image-rgba.ts';

/**
 * RGBA pixels of P pixels whose weight for channel c at pixel p is weight(p, c), on the
 * image's one scale; an image of one weight value throughout draws mid-grey.
 */
function sharedScaleRgba(P: number, weight: (p: number, c: number) => number): Uint8ClampedArray<ArrayBuffer> {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < P; p++) {
    for (let c = 0; c < 3; c++) {
      lo = Math.min(lo, weight(p, c));
      hi = Math.max(hi, weight(p, c));
    }
  }
  const range = hi - lo;
  return imageRgba(P, 3, (p, c) => (range > 0 ? Math.round((255 * (weight(p, c) - lo)) / range) : 128));
}

/**
 * RGBA pixels (KH × KW, row-major) of filter `o` of W (C × OC row-major, rows in (i, j, c)
 * order as web/shared/feature-maps.ts filterImage reads them), IC = 3.
 */
export function filterRgba(W: Float32Array, OC: number, shape: FilterShape, o: number): Uint8ClampedArray<ArrayBuffer> {
  const { KH, KW, IC } = shape;
  if (IC !== 3) throw new Error(`filterRgba draws filters over 3 channels (R, G, B), not ${IC}`);
  // Pixel p = i·KW + j, so row (i, j, c) is p·3 + c.
  return sharedScaleRgba(KH * KW, (p, c) => W[(p * 3 + c) * OC + o]);
}

/**
 * RGBA pixels (P of them: the input image's rows × cols, row-major) of hidden unit `o` of a
 * first dense layer's W (C × OC row-major) over a colour image of P pixels, C = 3·P. A
 * dense layer reads the image as flat planes (C×H×W, PyTorch's layout, as the data stores
 * it), so channel c of pixel p is row c·P + p.
 */
export function denseUnitRgba(W: Float32Array, OC: number, P: number, o: number): Uint8ClampedArray<ArrayBuffer> {
  if (W.length !== 3 * P * OC) throw new Error(`denseUnitRgba: W has ${W.length / OC} rows, not 3 channels of ${P} pixels`);
  return sharedScaleRgba(P, (p, c) => W[(c * P + p) * OC + o]);
}
