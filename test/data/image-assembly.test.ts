/**
 * From decoded RGBA pixels to a split (src/data/image-assembly.ts): grayscale told from
 * colour, gray ↔ RGB conversion, the common size and its refusal, the --size and
 * --channels flags.
 */
import { describe, expect, it } from 'vitest';
import { assembleSplit, commonChannels, commonSize, parseChannels, parseImageSize, planesOf, toGray } from '../../src/data/image-assembly.ts';

/** A 2×3 RGBA image from [r, g, b] per pixel. */
const rgba = (pixels: number[][]) => Uint8Array.from(pixels.flatMap(([r, g, b]) => [r, g, b, 255]));

describe('image assembly', () => {
  it('keeps a grayscale image (R = G = B everywhere) as one plane, a colour one as three (C×H×W)', () => {
    const gray = planesOf(rgba([[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4], [5, 5, 5], [6, 6, 6]]), 2, 3);
    expect(gray).toEqual({ channels: 1, rows: 2, cols: 3, planes: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    const colour = planesOf(rgba([[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4], [5, 5, 5], [6, 6, 7]]), 2, 3);
    expect(colour.channels).toBe(3);
    expect(Array.from(colour.planes)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 7]);
  });

  it('converts RGB to gray with ITU-R 601 luma (PIL and torchvision) and gray to RGB by copying the plane', () => {
    const out = new Uint8Array(2);
    toGray(Uint8Array.from([255, 10, 0, 200, 0, 30]), 2, out);
    expect(Array.from(out)).toEqual([Math.round(0.299 * 255), Math.round(0.299 * 10 + 0.587 * 200 + 0.114 * 30)]);

    const gray = planesOf(rgba([[9, 9, 9], [8, 8, 8]]), 1, 2);
    const colour = planesOf(rgba([[255, 0, 0], [0, 255, 0]]), 1, 2);
    const labels = Uint8Array.from([0, 1]);
    expect(commonChannels([gray, colour])).toBe(3);
    expect(commonChannels([gray, gray])).toBe(1);
    expect(commonChannels([colour], 1)).toBe(1);
    const rgb = assembleSplit([gray, colour], labels, 3, 2);
    expect(rgb).toMatchObject({ count: 2, channels: 3, rows: 1, cols: 2, classes: 2 });
    expect(Array.from(rgb.images)).toEqual([9, 8, 9, 8, 9, 8, 255, 0, 0, 255, 0, 0]);
    const luma = assembleSplit([gray, colour], labels, 1, 2);
    expect(Array.from(luma.images)).toEqual([9, 8, 76, 150]);
  });

  it('finds the one size, and refuses differing sizes naming files and the most common size', () => {
    const at = (file: string, rows: number, cols: number) => ({ file, rows, cols });
    expect(commonSize([at('a', 4, 5), at('b', 4, 5)])).toEqual({ rows: 4, cols: 5 });
    expect(commonSize([at('a', 4, 5), at('b', 9, 9)], { rows: 7, cols: 7 })).toEqual({ rows: 7, cols: 7 });
    expect(() => commonSize([at('a', 4, 5), at('b', 9, 9), at('c', 4, 5)])).toThrow(
      'the images differ in size: 2 of 3 are 4x5 (a), 1 are 9x9 (b); pass --size 4x5 to resize every image to the most common size (or another --size HxW)',
    );
  });

  it('reads --size and --channels, refusing anything else with what to write', () => {
    expect(parseImageSize('28')).toEqual({ rows: 28, cols: 28 });
    expect(parseImageSize('32x48')).toEqual({ rows: 32, cols: 48 });
    expect(parseImageSize(undefined)).toBeUndefined();
    for (const bad of ['0', '28x', 'x28', '-3', '28.5', '5000', 'big']) expect(() => parseImageSize(bad)).toThrow(/--size .*: give one side for square images \(--size 28\) or rows x columns/);
    expect(parseChannels('3')).toBe(3);
    expect(parseChannels(undefined)).toBeUndefined();
    expect(() => parseChannels('2')).toThrow('--channels 2: give 1 (grayscale) or 3 (RGB)');
  });
});
