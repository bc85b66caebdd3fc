/**
 * What the drawing pad hands a network that does not take 28×28 gray digits: the drawing (or
 * an image dropped on the pad) brought to the network's input as the page's data is brought
 * to one size and channels (web/worker/read-data.ts): resized on a canvas (web/shared/canvas-image.ts)
 * to the input's size, then split into planes and converted to its channels with the CLI's
 * rules (src/data/image-assembly.ts: gray to colour copies the plane, colour to gray takes
 * the luma). An image dropped on the pad goes to a colour network in its own colours,
 * decoded and resized exactly as a data image is; to a gray one it goes as the pad's digit.
 */
import { planesOf, toChannels, type ImagePlanes, type ImageSize } from '../../src/data/image-assembly.ts';
import { isSpatial } from '../../src/model/shapes.ts';
import { inputSize, type ModelSpec } from '../../src/model/spec.ts';
import type { DecodeImage } from '../../src/data/image-files.ts';

/** An image shape: channels × rows × cols. */
export interface ImageShape {
  channels: 1 | 3;
  rows: number;
  cols: number;
}

/** The pad's digits: MNIST's shape. */
const DIGIT_SHAPE: ImageShape = { channels: 1, rows: 28, cols: 28 };

/**
 * The image a network takes: a convolutional network's input shape; a dense network's the
 * data's when the data's images fill its inputs, else a gray square, else a colour square;
 * null when its inputs are none of these (or a CNN's channels are neither 1 nor 3).
 */
export function networkImageShape(spec: ModelSpec, data: ImageShape | null): ImageShape | null {
  if (isSpatial(spec)) {
    const { channels, height, width } = spec.input;
    return channels === 1 || channels === 3 ? { channels, rows: height, cols: width } : null;
  }
  const C = inputSize(spec);
  if (data && data.channels * data.rows * data.cols === C) return data;
  for (const channels of [1, 3] as const) {
    const side = Math.round(Math.sqrt(C / channels));
    if (channels * side * side === C) return { channels, rows: side, cols: side };
  }
  return null;
}

/** Resizes RGBA pixels (the page's canvas in the worker; anything that keeps the contract in tests). */
export type ResizeRgba = (img: { width: number; height: number; data: Uint8Array }, size: ImageSize) => Promise<{ width: number; height: number; data: Uint8Array }>;

/** RGBA pixels at `shape`'s size as the network's input bytes: planes (C×H×W), in its channels. */
function inputBytes(img: { width: number; height: number; data: Uint8Array }, shape: ImageShape): Uint8Array {
  return toChannels(planesOf(img.data, img.height, img.width), shape.channels);
}

/**
 * The pad's 28×28 gray digit as `shape` takes it: resized by `resize` when the size differs,
 * copied into three channels for colour. A 28×28 gray input gets the digit as it is.
 */
export async function drawingInput(digit: Uint8Array, shape: ImageShape, resize: ResizeRgba): Promise<Uint8Array> {
  const { rows, cols } = DIGIT_SHAPE;
  if (shape.channels === 1 && shape.rows === rows && shape.cols === cols) return digit;
  const rgba = new Uint8Array(4 * rows * cols);
  for (let p = 0; p < rows * cols; p++) rgba.set([digit[p], digit[p], digit[p], 255], 4 * p);
  let img: { width: number; height: number; data: Uint8Array } = { width: cols, height: rows, data: rgba };
  if (shape.rows !== rows || shape.cols !== cols) img = await resize(img, { rows: shape.rows, cols: shape.cols });
  return inputBytes(img, shape);
}

/** An image file's bytes as `shape` takes it: decoded at its size by `decode` (the data's decoder), in its channels. */
export async function imageInput(bytes: Uint8Array, shape: ImageShape, decode: DecodeImage): Promise<Uint8Array> {
  return inputBytes(await decode(bytes, { rows: shape.rows, cols: shape.cols }), shape);
}

/**
 * The drawing pad's image as the network takes it, with its shape (what the page previews
 * as what the network sees): the digit resized and copied into channels as needed, or a
 * dropped image (`image`, its file's bytes) in its colours for a colour network. `data`: the
 * loaded data's image shape (networkImageShape). Inputs that are no image are refused, saying so.
 */
export async function networkInput(
  spec: ModelSpec, data: ImageShape | null, digit: Uint8Array, image: Uint8Array | null, resize: ResizeRgba, decode: DecodeImage,
): Promise<ImagePlanes> {
  const shape = networkImageShape(spec, data);
  if (!shape) {
    throw new Error(
      `This network takes ${inputSize(spec)} inputs, which are not an image of 1 or 3 channels (nor the loaded data's images), ` +
        'so a drawing cannot go through it: train or load a network whose input is an image, such as 784 or 3x32x32.',
    );
  }
  const planes = image && shape.channels === 3 ? await imageInput(image, shape, decode) : await drawingInput(digit, shape, resize);
  return { ...shape, planes };
}
