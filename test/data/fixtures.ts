// Small IDX files built in memory for tests, and where to find the real MNIST files.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';
import { IDX_DTYPES, type IdxDtype } from '../../src/data/idx.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared MNIST training set, or undefined with the reason it is unavailable. */
export function mnistDir(): { dir?: string; reason: string } {
  const dir = process.env.WGTRAIN_MNIST_DIR ?? resolve(repoRoot, '..', 'shared', 'data', 'mnist');
  if (existsSync(join(dir, 'train-images-idx3-ubyte.gz')) && existsSync(join(dir, 'train-labels-idx1-ubyte.gz'))) {
    return { dir, reason: '' };
  }
  return { reason: `real MNIST not found in ${dir}; set WGTRAIN_MNIST_DIR to a folder with train-*-ubyte.gz to run this` };
}

/** Encodes an IDX file the way the MNIST originals are laid out (big-endian). */
export function writeIdx(dtype: IdxDtype, shape: number[], values: ArrayLike<number>): Uint8Array {
  const { code, size } = IDX_DTYPES[dtype];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) {
    const at = header + i * size;
    const v = values[i];
    switch (dtype) {
      case 'u8': view.setUint8(at, v); break;
      case 'i8': view.setInt8(at, v); break;
      case 'i16': view.setInt16(at, v, false); break;
      case 'i32': view.setInt32(at, v, false); break;
      case 'f32': view.setFloat32(at, v, false); break;
      case 'f64': view.setFloat64(at, v, false); break;
    }
  }
  return out;
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes);
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Deterministic pixels: sample i has value (i * 7 + p) mod 256 at pixel p. */
export function fakeImages(count: number, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(count * rows * cols);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < rows * cols; p++) out[i * rows * cols + p] = (i * 7 + p) % 256;
  }
  return out;
}

function fakeLabels(count: number, classes = 10): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 3) % classes);
}

export interface FakeSet {
  images: Uint8Array;
  labels: Uint8Array;
  imagesFile: Uint8Array;
  labelsFile: Uint8Array;
}

export function fakeSet(count: number, rows = 5, cols = 4): FakeSet {
  const images = fakeImages(count, rows, cols);
  const labels = fakeLabels(count);
  return {
    images,
    labels,
    imagesFile: writeIdx('u8', [count, rows, cols], images),
    labelsFile: writeIdx('u8', [count], labels),
  };
}

/** Writes the standard IDX file names into `dir`; returns the sets written. */
export async function writeIdxFolder(
  dir: string,
  opts: { train?: number; test?: number; rows?: number; cols?: number; gzip?: boolean } = {},
): Promise<{ train: FakeSet; test?: FakeSet }> {
  await mkdir(dir, { recursive: true });
  const suffix = opts.gzip === false ? '' : '.gz';
  const encode = (b: Uint8Array) => (opts.gzip === false ? b : gzip(b));
  const train = fakeSet(opts.train ?? 12, opts.rows, opts.cols);
  await writeFile(join(dir, `train-images-idx3-ubyte${suffix}`), encode(train.imagesFile));
  await writeFile(join(dir, `train-labels-idx1-ubyte${suffix}`), encode(train.labelsFile));
  if (opts.test === undefined) return { train };
  const test = fakeSet(opts.test, opts.rows, opts.cols);
  await writeFile(join(dir, `t10k-images-idx3-ubyte${suffix}`), encode(test.imagesFile));
  await writeFile(join(dir, `t10k-labels-idx1-ubyte${suffix}`), encode(test.labelsFile));
  return { train, test };
}
