/**
 * Values as pixels, for feature maps, filters and playground results: grey from black (0)
 * to white (the largest value) for non-negative maps, as MNIST digits look; for values of
 * both signs (weights, derivatives), red for positive and blue for negative on white,
 * scaled by the largest |value|. Shared: the worker colours a drawing's feature maps, the
 * page its filters and playground results (web/page/heatmap.ts puts them on canvases).
 */

/** The largest |v| (a tiny floor, so an all-zero map draws as 0 rather than NaN). */
export function maxAbs(values: ArrayLike<number>): number {
  let max = 1e-12;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** RGB of one value t in [−1, 1]. */
export function colour(t: number, signed: boolean): [number, number, number] {
  if (!signed) {
    const g = Math.round(255 * Math.min(1, Math.max(0, t)));
    return [g, g, g];
  }
  const a = Math.min(1, Math.abs(t));
  const fade = Math.round(255 * (1 - a));
  return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

/** RGBA pixels of `values` (row-major), each scaled by `scale` (default: the largest |value|). */
export function heatmapRgba(values: ArrayLike<number>, signed: boolean, scale = maxAbs(values)): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(4 * values.length);
  for (let p = 0; p < values.length; p++) {
    const [r, g, b] = colour(values[p] / scale, signed);
    rgba[4 * p] = r;
    rgba[4 * p + 1] = g;
    rgba[4 * p + 2] = b;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}
