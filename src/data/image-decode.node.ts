// Image files to RGBA pixels, with well-kept libraries rather than decoders of our own:
// jimp (pure JavaScript: pngjs, jpeg-js, bmp-ts, omggif) for PNG, JPEG, BMP and GIF (its
// first frame), and for resizing; @jsquash/webp (Google's libwebp compiled to WebAssembly,
// the codec jimp's own WebP plugin wraps) for WebP. Pure JS and WebAssembly need no native
// binary, so they install anywhere Node runs (sharp, the faster choice, ships a native
// libvips per platform and reads no BMP).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Jimp } from 'jimp';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode.js';

/** The extensions an image folder's files may have (case ignored); others are skipped. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp'] as const;

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major. */
  data: Uint8Array;
}

let webpReady: Promise<void> | null = null;

/** Node's fetch cannot read the file: URL the codec would load its WebAssembly from, so it is handed the bytes. */
function webpDecoder(): Promise<void> {
  webpReady ??= (async () => {
    const wasm = createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm');
    await initWebp({ wasmBinary: await readFile(wasm) } as never);
  })();
  return webpReady;
}

const isWebp = (b: Uint8Array) =>
  b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP';

/** Decodes one file's bytes (the format from its content, not its name); throws the library's reason. */
export async function decodeImage(bytes: Uint8Array): Promise<Rgba> {
  if (isWebp(bytes)) {
    await webpDecoder();
    const copy = bytes.slice().buffer;
    const img = await decodeWebp(copy);
    return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
  }
  const img = await Jimp.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data } = img.bitmap;
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Resizes with jimp's default resampler (two passes that average the source pixels each output pixel covers). */
export function resizeImage(img: Rgba, rows: number, cols: number): Rgba {
  if (img.width === cols && img.height === rows) return img;
  // A copy that owns its whole ArrayBuffer: fromBitmap reads a Uint8Array's (a Buffer's too) .buffer, all of it.
  const j = Jimp.fromBitmap({ width: img.width, height: img.height, data: new Uint8Array(img.data) });
  j.resize({ w: cols, h: rows });
  const { data } = j.bitmap;
  return { width: cols, height: rows, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
