/** Image files for the image-folder tests, written with the libraries that read them (jimp, @jsquash/webp). */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Jimp, JimpMime, PNGColorType } from 'jimp';
import encodeWebp, { init as initWebpEncoder } from '@jsquash/webp/encode.js';

export type Format = 'png' | 'jpg' | 'bmp' | 'gif' | 'webp';

/** A rows × cols test image: pixel (y, x) of image `seed` is [r, g, b] = pixel(seed, y, x); gray when r = g = b. */
export function pattern(seed: number, rows: number, cols: number, colour: boolean): Uint8Array {
  const rgba = new Uint8Array(rows * cols * 4);
  for (let p = 0; p < rows * cols; p++) {
    const v = grayValue(seed, p);
    rgba.set(colour ? [v, 255 - v, (v * 3) % 256, 255] : [v, v, v, 255], 4 * p);
  }
  return rgba;
}

/** Pixel p of gray test image `seed`: 20 levels, or black and white for seeds 50 and up (GIF: jimp's encoder dithers to its palette, exact for two levels). */
export const grayValue = (seed: number, p: number) => (seed >= 50 ? ((seed + p) % 3 === 0 ? 255 : 0) : (seed * 37 + p * 11) % 256);

let webpReady: Promise<void> | null = null;

/** The file bytes of an RGBA image in `format` (lossless except JPEG). */
export async function encodeImage(rgba: Uint8Array, rows: number, cols: number, format: Format): Promise<Uint8Array> {
  if (format === 'webp') {
    webpReady ??= (async () => {
      const wasm = createRequire(import.meta.url).resolve('@jsquash/webp/codec/enc/webp_enc.wasm');
      await initWebpEncoder({ wasmBinary: await readFile(wasm) } as never);
    })();
    await webpReady;
    const data = new Uint8ClampedArray(rgba);
    return new Uint8Array(await encodeWebp({ data, width: cols, height: rows, colorSpace: 'srgb' }, { lossless: 1, exact: 1 }));
  }
  const img = Jimp.fromBitmap({ width: cols, height: rows, data: new Uint8Array(rgba) }); // its own ArrayBuffer: fromBitmap reads .buffer whole
  const gray = rgba.every((v, i) => i % 4 === 3 || v === rgba[i - (i % 4)]);
  switch (format) {
    case 'png': return img.getBuffer(JimpMime.png, gray ? { colorType: PNGColorType.GRAYSCALE } : {});
    case 'jpg': return img.getBuffer(JimpMime.jpeg, { quality: 100 });
    case 'bmp': return img.getBuffer(JimpMime.bmp);
    case 'gif': return img.getBuffer(JimpMime.gif);
  }
}
