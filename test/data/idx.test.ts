import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdxError, parseIdx, type IdxDtype } from '../../src/data/idx.ts';
import { fakeImages, gzip, mnistDir, writeIdx } from './fixtures.ts';

function expectIdxError(bytes: Uint8Array, pattern: RegExp, file = 'sample.idx'): IdxError {
  let caught: unknown;
  try {
    parseIdx(bytes, file);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(IdxError);
  const err = caught as IdxError;
  expect(err.file).toBe(file);
  expect(err.message.startsWith(`${file}: `)).toBe(true);
  expect(err.message).toMatch(pattern);
  return err;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe('parseIdx: valid files', () => {
  const cases: { dtype: IdxDtype; shape: number[]; values: number[]; ctor: Function }[] = [
    { dtype: 'u8', shape: [3, 2, 2], values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 254, 255], ctor: Uint8Array },
    { dtype: 'i8', shape: [4], values: [-128, -1, 0, 127], ctor: Int8Array },
    { dtype: 'i16', shape: [2, 2], values: [-32768, -2, 258, 32767], ctor: Int16Array },
    { dtype: 'i32', shape: [5], values: [-2147483648, -1, 0, 0x01020304, 2147483647], ctor: Int32Array },
    { dtype: 'f32', shape: [2, 3], values: [0, -1.5, 3.25, 1e-8, -65504, 0.1], ctor: Float32Array },
    { dtype: 'f64', shape: [1, 1, 1, 3], values: [Math.PI, -1e300, 5e-324], ctor: Float64Array },
  ];

  for (const { dtype, shape, values, ctor } of cases) {
    for (const compressed of [false, true]) {
      it(`round-trips ${dtype} ${compressed ? 'gzipped' : 'raw'}`, () => {
        const raw = writeIdx(dtype, shape, values);
        const t = parseIdx(compressed ? gzip(raw) : raw, `x.${dtype}`);
        expect(t.dtype).toBe(dtype);
        expect(t.shape).toEqual(shape);
        expect(t.data).toBeInstanceOf(ctor);
        // Float32 rounding is the only change allowed.
        const expected = dtype === 'f32' ? Array.from(Float32Array.from(values)) : values;
        expect(Array.from(t.data)).toEqual(expected);
      });
    }
  }

  it('reads non-28x28 images', () => {
    const pixels = fakeImages(3, 7, 11);
    const t = parseIdx(writeIdx('u8', [3, 7, 11], pixels), 'small.idx');
    expect(t.shape).toEqual([3, 7, 11]);
    expect(t.data).toEqual(pixels);
  });

  it('accepts a set with zero samples', () => {
    const t = parseIdx(writeIdx('u8', [0, 28, 28], []), 'empty-set.idx');
    expect(t.shape).toEqual([0, 28, 28]);
    expect(t.data.length).toBe(0);
  });
});

describe('parseIdx: bad input', () => {
  const good = writeIdx('u8', [2, 3, 3], fakeImages(2, 3, 3));

  it('rejects an empty file', () => {
    expectIdxError(new Uint8Array(0), /file is empty/);
  });

  it('rejects a wrong magic number', () => {
    const bad = good.slice();
    bad[0] = 0x12;
    bad[1] = 0x34;
    expectIdxError(bad, /not an IDX file: magic number starts with 0x12 0x34, expected 0x00 0x00/);
  });

  it('rejects an unknown element type', () => {
    const bad = good.slice();
    bad[2] = 0x0a;
    expectIdxError(bad, /unknown element type 0x0A/);
  });

  it('rejects rank 0 and rank above 4', () => {
    const rank0 = good.slice();
    rank0[3] = 0;
    expectIdxError(rank0, /rank 0; expected 1 to 4/);
    expectIdxError(writeIdx('u8', [1, 1, 1, 1, 1], [7]), /rank 5; expected 1 to 4/);
  });

  it('rejects a truncated header', () => {
    expectIdxError(good.subarray(0, 9), /truncated IDX header: rank 3 needs 16 header bytes but the file has 9/);
    expectIdxError(good.subarray(0, 3), /too short for an IDX header/);
  });

  it('rejects a zero dimension after the first', () => {
    expectIdxError(writeIdx('u8', [2, 0, 3], []), /dimension 1 is 0/);
  });

  it('rejects truncated data, saying how many bytes were expected and found', () => {
    expectIdxError(good.subarray(0, good.length - 5), /truncated data: .* needs 18 bytes after the header but the file has 13/);
    // Four-byte elements: the size is counted in bytes, not elements.
    const ints = writeIdx('i32', [4], [1, 2, 3, 4]);
    expectIdxError(ints.subarray(0, ints.length - 1), /needs 16 bytes after the header but the file has 15/);
  });

  it('rejects trailing bytes', () => {
    const bad = new Uint8Array(good.length + 3);
    bad.set(good);
    expectIdxError(bad, /3 unexpected trailing bytes .*expected 18 data bytes, found 21/);
  });

  it('rejects absurd dimensions without allocating them', () => {
    const huge = new Uint8Array(16);
    const view = new DataView(huge.buffer);
    huge[2] = 0x0e;
    huge[3] = 3;
    view.setUint32(4, 0xffffffff, false);
    view.setUint32(8, 0xffffffff, false);
    view.setUint32(12, 0xffffffff, false);
    expectIdxError(huge, /shape \[4294967295, 4294967295, 4294967295\] of f64 needs more than 2147483648 bytes/);
  });

  it('recognises an HTML page saved under the IDX name, raw or gzipped', () => {
    const message = /looks like an HTML page, not IDX data: the download was probably redirected; delete it and download again/;
    expectIdxError(ascii('<!DOCTYPE html><html><body>Moved</body></html>'), message, 'train-images-idx3-ubyte.gz');
    expectIdxError(ascii('\n  <html><head><title>Login</title></head></html>'), message);
    expectIdxError(ascii('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>'), message);
    expectIdxError(gzip(ascii('<html>redirect</html>')), message);
  });

  it('recognises a Git LFS pointer checked out in place of the data', () => {
    expectIdxError(
      ascii('version https://git-lfs.github.com/spec/v1\noid sha256:4b8c\nsize 9912422\n'),
      /is a Git LFS pointer, not IDX data: run `git lfs pull` or download the file directly/,
    );
  });

  it('reports a corrupt gzip stream', () => {
    const gz = gzip(fakeImages(50, 10, 10));
    const damaged = gz.slice();
    for (let i = 12; i < 40; i++) damaged[i] ^= 0x5a;
    expectIdxError(damaged, /corrupt gzip stream/);
    expectIdxError(gz.subarray(0, gz.length - 30), /corrupt gzip stream/);
  });

  it('catches a gzip stream whose trailer disagrees with its content', () => {
    const gz = gzip(good);
    const wrongCrc = gz.slice();
    wrongCrc[gz.length - 8] ^= 0xff;
    expectIdxError(wrongCrc, /corrupt gzip stream: CRC-32/);
    // fflate trusts the size field; a too-small one would silently cut the data.
    const wrongSize = gz.slice();
    wrongSize[gz.length - 4] = 5;
    expectIdxError(wrongSize, /corrupt gzip stream/);
    const hugeSize = gz.slice();
    hugeSize[gz.length - 1] = 0xff;
    expectIdxError(hugeSize, /trailer claims \d+ uncompressed bytes/);
  });
});

describe('parseIdx: the real MNIST training set', () => {
  const { dir, reason } = mnistDir();

  it('has 60000 28x28 images and 60000 labels 0..9', async (ctx) => {
    ctx.skip(!dir, reason);
    const images = parseIdx(await readFile(join(dir!, 'train-images-idx3-ubyte.gz')), 'train-images-idx3-ubyte.gz');
    const labels = parseIdx(await readFile(join(dir!, 'train-labels-idx1-ubyte.gz')), 'train-labels-idx1-ubyte.gz');
    expect(images.dtype).toBe('u8');
    expect(images.shape).toEqual([60000, 28, 28]);
    expect(images.data.length).toBe(60000 * 28 * 28);
    expect(labels.dtype).toBe('u8');
    expect(labels.shape).toEqual([60000]);

    const counts = new Array<number>(10).fill(0);
    for (const l of labels.data) counts[l]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60000);
    // Every digit is well represented (the smallest class, 5, has 5421 samples).
    expect(Math.min(...counts)).toBe(5421);
    expect(counts[1]).toBe(6742);
    // The first training label of MNIST is famously a 5.
    expect(labels.data[0]).toBe(5);
    expect(Math.max(...images.data.subarray(0, 784))).toBe(255);
  }, 60_000);
});
