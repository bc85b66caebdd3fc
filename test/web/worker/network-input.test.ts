/**
 * The drawing pad's image for networks that do not take 28×28 gray digits (web/worker/network-input.ts):
 * the input shape found, the gray digit resized and copied into three channels, a dropped
 * colour image kept in colour. The canvas resizing and decoding are stood in for by stubs
 * that keep their contract (the page's e2e runs the real ones).
 */
import { describe, expect, it } from 'vitest';
import { denseNetwork, parseNetwork } from '../../../src/model/arch.ts';
import { PRESETS } from '../../../src/train/config.ts';
import type { DecodeImage } from '../../../src/data/image-files.ts';
import { drawingInput, imageInput, networkImageShape, networkInput, type ResizeRgba } from '../../../web/worker/network-input.ts';

const spec = (net: ReturnType<typeof parseNetwork>) => ({ ...PRESETS.lecun.model, ...net });

/** Nearest-neighbour resizing, as a stand-in for the canvas. */
const nearest: ResizeRgba = async (img, { rows, cols }) => {
  const data = new Uint8Array(4 * rows * cols);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const from = 4 * (Math.floor((y * img.height) / rows) * img.width + Math.floor((x * img.width) / cols));
      data.set(img.data.subarray(from, from + 4), 4 * (y * cols + x));
    }
  }
  return { width: cols, height: rows, data };
};

/** A digit: ink in the left half. */
const digit = Uint8Array.from({ length: 784 }, (_, p) => (p % 28 < 14 ? 200 : 0));

describe('the network input for the drawing pad', () => {
  it('finds the image a network takes: a CNN its input; a dense network the data, else a gray or a colour square', () => {
    expect(networkImageShape(spec(parseNetwork('3x32x32-conv4k5-pool2-10')), null)).toEqual({ channels: 3, rows: 32, cols: 32 });
    expect(networkImageShape(spec(parseNetwork('1x20x24-conv4k5-10')), null)).toEqual({ channels: 1, rows: 20, cols: 24 });
    expect(networkImageShape(spec(denseNetwork([784, 16, 10])), null)).toEqual({ channels: 1, rows: 28, cols: 28 });
    expect(networkImageShape(spec(denseNetwork([108, 4, 2])), null)).toEqual({ channels: 3, rows: 6, cols: 6 });
    expect(networkImageShape(spec(denseNetwork([96, 4, 2])), { channels: 3, rows: 4, cols: 8 })).toEqual({ channels: 3, rows: 4, cols: 8 });
    expect(networkImageShape(spec(denseNetwork([10, 2])), null)).toBeNull();
  });

  it('gives a 28×28 gray network the digit as it is', async () => {
    expect(await drawingInput(digit, { channels: 1, rows: 28, cols: 28 }, nearest)).toBe(digit);
  });

  it('copies the gray digit into three equal planes for a colour network, resized to its input', async () => {
    const same = await drawingInput(digit, { channels: 3, rows: 28, cols: 28 }, nearest);
    expect(same.subarray(784, 1568)).toEqual(digit);
    expect(same.subarray(1568)).toEqual(digit);
    const small = await drawingInput(digit, { channels: 3, rows: 6, cols: 6 }, nearest);
    expect(small).toHaveLength(108);
    const plane = Uint8Array.from({ length: 36 }, (_, p) => (p % 6 < 3 ? 200 : 0));
    for (let c = 0; c < 3; c++) expect(small.subarray(36 * c, 36 * (c + 1))).toEqual(plane);
    expect(await drawingInput(digit, { channels: 1, rows: 14, cols: 14 }, nearest)).toHaveLength(196);
  });

  /** Decodes any bytes as an orange image of the size asked for, noting the sizes. */
  const orange = (asked: unknown[] = []): DecodeImage => async (_bytes, size) => {
    asked.push(size);
    const n = size!.rows * size!.cols;
    const data = new Uint8Array(4 * n);
    for (let p = 0; p < n; p++) data.set([200, 100, 10, 255], 4 * p);
    return { width: size!.cols, height: size!.rows, data };
  };

  it('gives a dropped image in its colours, decoded at the input size (R, G and B planes); a gray input its luma', async () => {
    const asked: unknown[] = [];
    const decode = orange(asked);
    const rgb = await imageInput(new Uint8Array([1]), { channels: 3, rows: 2, cols: 3 }, decode);
    expect([...rgb]).toEqual([...Array(6).fill(200), ...Array(6).fill(100), ...Array(6).fill(10)]);
    expect(asked).toEqual([{ rows: 2, cols: 3 }]);
    const gray = await imageInput(new Uint8Array([1]), { channels: 1, rows: 1, cols: 2 }, decode);
    expect([...gray]).toEqual([120, 120]); // 0.299·200 + 0.587·100 + 0.114·10 = 119.64
  });

  it('hands over what the network is fed with its shape (the pad previews it): the image at the network’s size, in its channels', async () => {
    const colour = spec(denseNetwork([192, 2]));
    const drawn = await networkInput(colour, null, digit, null, nearest, orange());
    expect([drawn.channels, drawn.rows, drawn.cols]).toEqual([3, 8, 8]);
    expect(drawn.planes).toEqual(await drawingInput(digit, { channels: 3, rows: 8, cols: 8 }, nearest));
    const dropped = await networkInput(colour, null, digit, new Uint8Array([1]), nearest, orange());
    expect([...dropped.planes.subarray(0, 1), ...dropped.planes.subarray(64, 65), ...dropped.planes.subarray(128, 129)]).toEqual([200, 100, 10]);
    // MNIST's networks take the digit itself, a dropped image too (the pad's digit of it).
    expect(await networkInput(PRESETS.lecun.model, null, digit, new Uint8Array([1]), nearest, orange())).toEqual({ channels: 1, rows: 28, cols: 28, planes: digit });
    await expect(networkInput(spec(denseNetwork([10, 2])), null, digit, null, nearest, orange())).rejects.toThrow(
      'This network takes 10 inputs, which are not an image of 1 or 3 channels',
    );
  });
});
