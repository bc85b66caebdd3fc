// Image files to RGBA pixels, with well-kept libraries rather than decoders of our own:
// jimp's format packages (pure JavaScript: pngjs, jpeg-js, bmp-ts, omggif) for PNG, JPEG,
// BMP and GIF (its first frame), jimp for resizing, and @jsquash/webp (Google's libwebp
// compiled to WebAssembly, the codec jimp's own WebP plugin wraps) for WebP. The format is
// told from the file's first bytes, and each format's decoder is called directly: Jimp.read
// sniffs with file-type and builds a whole Jimp object, 6× slower on MNIST's small PNGs.
// Pure JS and WebAssembly need no native binary, so they install anywhere Node runs (sharp,
// the faster choice, ships a native libvips per platform and reads no BMP).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import bmp from '@jimp/js-bmp';
import gif from '@jimp/js-gif';
import jpeg from '@jimp/js-jpeg';
import png from '@jimp/js-png';
import { Jimp } from 'jimp';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode.js';

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

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** Each format's decoder, by the bytes its files start with. */
const FORMATS: { name: string; is: (b: Uint8Array) => boolean; decode: (b: Buffer) => { width: number; height: number; data: Uint8Array } | Promise<{ width: number; height: number; data: Uint8Array }> }[] = [
  { name: 'PNG', is: (b) => b[0] === 0x89 && ascii(b, 1, 4) === 'PNG', decode: png().decode },
  { name: 'JPEG', is: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, decode: jpeg().decode },
  { name: 'BMP', is: (b) => ascii(b, 0, 2) === 'BM', decode: bmp().decode },
  { name: 'GIF', is: (b) => ascii(b, 0, 4) === 'GIF8', decode: gif().decode },
  { name: 'WebP', is: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP', decode: webp },
];

async function webp(bytes: Buffer): Promise<{ width: number; height: number; data: Uint8Array }> {
  await webpDecoder();
  const img = await decodeWebp(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
}

/** Decodes one file's bytes (the format from its content, not its name); throws the library's reason. */
export async function decodeImage(bytes: Uint8Array): Promise<Rgba> {
  const format = FORMATS.find((f) => f.is(bytes));
  if (!format) throw new Error(`its first bytes are not those of a ${FORMATS.map((f) => f.name).join(', ')} file`);
  const img = await format.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data } = img;
  if (!data || data.length < width * height * 4) throw new Error(`the ${format.name} decoder returned ${data?.length ?? 0} bytes for ${width}x${height} pixels`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, width * height * 4) };
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
