// Decoded images (RGBA, as every decoder returns them) turned into a Split: grayscale or RGB
// as found, or converted to the channels asked for; all of one size. Pure: the image
// folder reader (image-folder.node.ts) decodes and resizes with jimp and hands the pixels here.

import type { Split } from './dataset.ts';

/** One image's pixels in the channels it was found in: a gray plane, or R, G and B planes (C×H×W). */
export interface ImagePlanes {
  channels: 1 | 3;
  rows: number;
  cols: number;
  planes: Uint8Array;
}

/** An image size, rows × cols. */
export interface ImageSize {
  rows: number;
  cols: number;
}

/**
 * `--size 28` (square) or `--size HxW` (rows × columns, as `--arch` writes an input),
 * each side 1 to 4096; undefined for undefined.
 */
export function parseImageSize(text: string | undefined): ImageSize | undefined {
  if (text === undefined) return undefined;
  const m = /^([1-9]\d{0,3})(?:x([1-9]\d{0,3}))?$/.exec(text.trim());
  const size = m ? { rows: Number(m[1]), cols: Number(m[2] ?? m[1]) } : undefined;
  if (!size || size.rows > 4096 || size.cols > 4096) {
    throw new Error(`--size ${text}: give one side for square images (--size 28) or rows x columns (--size 32x48), each 1 to 4096`);
  }
  return size;
}

/** `--channels 1|3` (undefined: as found). */
export function parseChannels(text: string | undefined): 1 | 3 | undefined {
  if (text === undefined) return undefined;
  if (text !== '1' && text !== '3') throw new Error(`--channels ${text}: give 1 (grayscale) or 3 (RGB); without it images keep the channels they have`);
  return Number(text) as 1 | 3;
}

/**
 * An RGBA image's planes: one gray plane when every pixel has R = G = B (a grayscale file
 * decodes that way, whatever its format), else R, G and B planes. Alpha is dropped (as
 * PIL's convert('RGB') does).
 */
export function planesOf(rgba: Uint8Array, rows: number, cols: number): ImagePlanes {
  const HW = rows * cols;
  let gray = true;
  for (let p = 0; p < HW && gray; p++) gray = rgba[4 * p] === rgba[4 * p + 1] && rgba[4 * p] === rgba[4 * p + 2];
  if (gray) {
    const planes = new Uint8Array(HW);
    for (let p = 0; p < HW; p++) planes[p] = rgba[4 * p];
    return { channels: 1, rows, cols, planes };
  }
  const planes = new Uint8Array(3 * HW);
  for (let p = 0; p < HW; p++) {
    planes[p] = rgba[4 * p];
    planes[HW + p] = rgba[4 * p + 1];
    planes[2 * HW + p] = rgba[4 * p + 2];
  }
  return { channels: 3, rows, cols, planes };
}

/**
 * Luma of R, G and B planes, ITU-R 601 (L = 0.299 R + 0.587 G + 0.114 B, rounded), the
 * formula PIL's convert('L') and torchvision's Grayscale use.
 */
export function toGray(rgb: Uint8Array, HW: number, out: Uint8Array): void {
  for (let p = 0; p < HW; p++) out[p] = Math.round(0.299 * rgb[p] + 0.587 * rgb[HW + p] + 0.114 * rgb[2 * HW + p]);
}

/**
 * The size the images are brought to: `size` when given, else the one size they all have.
 * Sizes that differ without `size` are refused, naming a file of each and the most common
 * size to pass (`sizes`: each image's file and size, in order).
 */
export function commonSize(
  sizes: readonly { file: string; rows: number; cols: number }[], size?: ImageSize,
  /** What to do about differing sizes, given the most common one: the CLI's --size, by default. */
  advice = (top: ImageSize) => `pass --size ${top.rows}x${top.cols} to resize every image to the most common size (or another --size HxW)`,
): ImageSize {
  if (size) return size;
  const counts = new Map<string, { n: number; file: string; rows: number; cols: number }>();
  for (const s of sizes) {
    const key = `${s.rows}x${s.cols}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { n: 1, file: s.file, rows: s.rows, cols: s.cols });
  }
  const ranked = [...counts.values()].sort((a, b) => b.n - a.n);
  if (ranked.length > 1) {
    const [top] = ranked;
    const others = ranked.slice(1, 4).map((c) => `${c.n} are ${c.rows}x${c.cols} (${c.file})`).join(', ');
    throw new Error(
      `the images differ in size: ${top.n} of ${sizes.length} are ${top.rows}x${top.cols} (${top.file}), ${others}` +
        `${ranked.length > 4 ? `, and ${ranked.length - 4} more sizes` : ''}; ` +
        advice(top),
    );
  }
  return { rows: ranked[0]?.rows ?? 0, cols: ranked[0]?.cols ?? 0 };
}

/** The channels of a data set: `channels` when given, else 3 when any image is in colour, else 1. */
export function commonChannels(images: readonly { channels: number }[], channels?: 1 | 3): 1 | 3 {
  return channels ?? (images.some((i) => i.channels === 3) ? 3 : 1);
}

/**
 * One image's planes brought to `channels`, into `out` (channels × rows × cols): as found,
 * or gray to RGB copying the plane three times, or RGB to gray taking the luma (toGray).
 */
export function toChannels(img: ImagePlanes, channels: 1 | 3, out = new Uint8Array(channels * img.rows * img.cols)): Uint8Array {
  const HW = img.rows * img.cols;
  if (img.channels === channels) out.set(img.planes);
  else if (channels === 3) for (let c = 0; c < 3; c++) out.set(img.planes, c * HW);
  else toGray(img.planes, HW, out);
  return out;
}

/** One Split from images of one size (rows × cols) and their labels, each brought to `channels` (toChannels). */
export function assembleSplit(images: readonly ImagePlanes[], labels: Uint8Array, channels: 1 | 3, classes: number): Split {
  const { rows, cols } = images[0];
  const HW = rows * cols;
  const P = channels * HW;
  const out = new Uint8Array(images.length * P);
  images.forEach((img, i) => {
    if (img.rows !== rows || img.cols !== cols) throw new Error(`assembleSplit: image ${i} is ${img.rows}x${img.cols}, not ${rows}x${cols}`);
    toChannels(img, channels, out.subarray(i * P, (i + 1) * P));
  });
  return { images: out, labels, count: images.length, channels, rows, cols, classes };
}

/** Decoded pixels as every decoder returns them: RGBA, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * `decode()`'s image of `file`, refused with the file named when it cannot be decoded or
 * decodes to no pixels (the CLI's and the page's readers say the same).
 */
export async function decodeChecked(file: string, decode: () => Promise<Rgba>): Promise<Rgba> {
  let img;
  try {
    img = await decode();
  } catch (e) {
    throw new Error(`${file} is not an image wgtrain can decode (${(e as Error).message || String(e)}); it may be corrupt or truncated: remove or replace it`);
  }
  if (!(img.width > 0 && img.height > 0)) throw new Error(`${file} decodes to an empty image (${img.width}x${img.height}); remove or replace it`);
  return img;
}

/** fn(i) for i = 0..count−1, `inFlight` at a time; the first failure stops new calls and is thrown. */
export async function eachInFlight(count: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const i = next++;
      await fn(i).catch((e) => {
        failed = true;
        throw e;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}
