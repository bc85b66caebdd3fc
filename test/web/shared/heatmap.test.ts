/** Values as pixels (web/shared/heatmap.ts): grey for maps ≥ 0, red and blue for signed ones, each scaled by its largest |value|. */
import { describe, expect, it } from 'vitest';
import { colour, heatmapRgba, maxAbs } from '../../../web/shared/heatmap.ts';

describe('heatmap', () => {
  it('draws non-negative maps black (0) to white (the largest value), clamping negatives to black', () => {
    const rgba = heatmapRgba([0, 2, 4, -1], false);
    expect([...rgba]).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('draws signed maps red for positive, blue for negative, white for 0, scaled by the largest |value|', () => {
    expect(maxAbs([1, -4, 2])).toBe(4);
    const rgba = heatmapRgba([4, -4, 0, -2], true);
    expect([...rgba.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    expect([...rgba.subarray(4, 8)]).toEqual([0, 0, 255, 255]);
    expect([...rgba.subarray(8, 12)]).toEqual([255, 255, 255, 255]);
    expect([...rgba.subarray(12, 16)]).toEqual([128, 128, 255, 255]);
  });

  it('takes a shared scale, and draws an all-zero map without NaN', () => {
    expect(colour(0.5, false)).toEqual([128, 128, 128]);
    expect([...heatmapRgba([1], false, 4)].slice(0, 3)).toEqual([64, 64, 64]);
    expect([...heatmapRgba([0, 0], true)]).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
  });
});
