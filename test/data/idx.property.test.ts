/**
 * Random and damaged bytes against the IDX reader: it returns a consistent tensor or throws
 * an IdxError naming the file, and never anything else (RangeError, TypeError…), never
 * a large allocation. Seeded (see mutate.ts), so a failure reproduces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetFromFiles } from '../../src/data/dataset.ts';
import { IDX_DTYPES, IdxError, parseIdx, type IdxTensor } from '../../src/data/idx.ts';
import { fakeSet, gzip, writeIdx } from './fixtures.ts';
import { applyMutations, attempt, MEMORY_LIMIT, mutations, SEED, u32Value } from './mutate.ts';

const FILE = 'data/train-images-idx3-ubyte.gz';
const RUNS = { seed: SEED, numRuns: 600 };

/** Parses `bytes`; the property fails on any outcome but a sound tensor or an IdxError. */
function parsesOrRefuses(bytes: Uint8Array): void {
  const r = attempt(() => parseIdx(bytes, FILE));
  expect(r.growth).toBeLessThan(MEMORY_LIMIT);
  if (r.error !== undefined) {
    if (!(r.error instanceof IdxError)) throw r.error;
    expect(r.error.file).toBe(FILE);
    expect(r.error.message.startsWith(`${FILE}: `)).toBe(true);
    return;
  }
  const t = r.value as IdxTensor;
  expect(t.shape.length).toBeGreaterThanOrEqual(1);
  expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  expect(t.data.BYTES_PER_ELEMENT).toBe(IDX_DTYPES[t.dtype].size);
}

const raws = [
  fakeSet(3, 4, 5).imagesFile,
  fakeSet(7).labelsFile,
  writeIdx('i16', [2, 3], [-1, 2, -3, 4, -5, 6]),
  writeIdx('i32', [3], [1, -2, 3]),
  writeIdx('f32', [2, 2], [0.5, -1, 2, 3]),
  writeIdx('f64', [1, 2, 1, 1], [Math.E, -0]),
];
const gzipped = raws.map(gzip);
/** The IDX header fields: magic/type/rank, then up to four big-endian dimensions. */
const IDX_FIELDS = [0, 2, 4, 8, 12, 16];
/** A gzip stream's CRC-32 and size, at the end. */
const GZIP_FIELDS = [-8, -4, 4];

describe('parseIdx property: arbitrary input', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), parsesOrRefuses), RUNS);
  });

  it('a plausible header (any type byte, rank 0-5, any dimensions) over random data', () => {
    const file = fc
      .tuple(
        fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0a, 0xff),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), u32Value), { minLength: 5, maxLength: 5 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
      )
      .map(([type, rank, dims, body, compress]) => {
        const out = new Uint8Array(4 + 4 * rank + body.length);
        const view = new DataView(out.buffer);
        out[2] = type;
        out[3] = rank;
        for (let d = 0; d < rank; d++) view.setUint32(4 + 4 * d, dims[d], false);
        out.set(body, 4 + 4 * rank);
        return compress ? gzip(out) : out;
      });
    fc.assert(fc.property(file, parsesOrRefuses), RUNS);
  });
});

describe('parseIdx property: damaged valid files', () => {
  it('raw files with flipped, cut, inserted or deleted bytes and overwritten header fields', () => {
    fc.assert(
      fc.property(fc.constantFrom(...raws), mutations(IDX_FIELDS), (base, list) => parsesOrRefuses(applyMutations(base, list))),
      RUNS,
    );
  });

  it('gzip streams damaged the same way, trailer included', () => {
    fc.assert(
      fc.property(fc.constantFrom(...gzipped), mutations(GZIP_FIELDS), (base, list) => parsesOrRefuses(applyMutations(base, list))),
      RUNS,
    );
  });

  it('damaged IDX data inside an intact gzip stream (past the CRC check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...raws), mutations(IDX_FIELDS), (base, list) => parsesOrRefuses(gzip(applyMutations(base, list)))),
      RUNS,
    );
  });

  it('any size in the gzip trailer: refused before it is allocated unless it is the true size', () => {
    fc.assert(
      fc.property(fc.constantFrom(...gzipped.keys()), u32Value, (i, size) => {
        const bytes = gzipped[i].slice();
        new DataView(bytes.buffer).setUint32(bytes.length - 4, size, true);
        parsesOrRefuses(bytes);
        if (size !== raws[i].length) expect(() => parseIdx(bytes, FILE)).toThrow(IdxError);
      }),
      RUNS,
    );
  });
});

describe('datasetFromFiles property: one damaged file in a data set', () => {
  const set = fakeSet(5, 3, 3);
  const names = { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte' };

  it('loads or throws an IdxError that names the damaged file', () => {
    fc.assert(
      fc.property(fc.constantFrom('images', 'labels') as fc.Arbitrary<keyof typeof names>, mutations(IDX_FIELDS), fc.boolean(), (which, list, compressFirst) => {
        const raw = which === 'images' ? set.imagesFile : set.labelsFile;
        const damaged = compressFirst ? applyMutations(gzip(raw), list) : gzip(applyMutations(raw, list));
        const files = new Map([
          [names.images, which === 'images' ? damaged : gzip(set.imagesFile)],
          [names.labels, which === 'labels' ? damaged : set.labelsFile],
        ]);
        const r = attempt(() => datasetFromFiles(files, 'fuzz', 'memory'));
        expect(r.growth).toBeLessThan(MEMORY_LIMIT);
        if (r.error === undefined) return;
        if (!(r.error instanceof IdxError)) throw r.error;
        // A count mismatch is reported on the labels file and names the images file too.
        expect(r.error.message).toContain(names[which]);
      }),
      RUNS,
    );
  });
});

describe('parseIdx: regressions found by the properties', () => {
  it('refuses a gzip trailer claiming 2^31 - 1 bytes for a tiny stream, without allocating them', () => {
    const bytes = gzip(raws[0]);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, 2 ** 31 - 1, true);
    const r = attempt(() => parseIdx(bytes, FILE));
    expect(r.growth).toBeLessThan(MEMORY_LIMIT);
    expect(r.error).toBeInstanceOf(IdxError);
    expect((r.error as Error).message).toBe(
      `${FILE}: corrupt gzip stream: trailer claims 2147483647 uncompressed bytes, more than ${bytes.length} compressed bytes can hold; delete it and download again`,
    );
  });

  it('refuses a gzip trailer size larger than what the stream inflates to (it used to be accepted)', () => {
    const bytes = gzip(raws[0]);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, raws[0].length + 1, true);
    expect(() => parseIdx(bytes, FILE)).toThrow(
      new IdxError(FILE, `corrupt gzip stream: it inflates to ${raws[0].length} bytes but its trailer says ${raws[0].length + 1}; delete it and download again`),
    );
  });
});
