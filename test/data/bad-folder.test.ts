/**
 * Every kind of bad IDX file, planted in an otherwise good data folder: loadIdxDataset and
 * the wgtrain command refuse it with one message that names the file's full path and the
 * problem, the command exits non-zero, and nothing is written to the folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { IdxError } from '../../src/data/idx.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { fakeSet, gzip, writeIdx, writeIdxFolder } from './fixtures.ts';

const TRAIN = 6;
const ROWS = 5;
const COLS = 4;
const good = fakeSet(TRAIN, ROWS, COLS);
const IMAGES = 'train-images-idx3-ubyte.gz';
const LABELS = 'train-labels-idx1-ubyte.gz';
const TEST_IMAGES = 't10k-images-idx3-ubyte.gz';

function withBytes(bytes: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(copy);
  return copy;
}

interface BadCase {
  name: string;
  /** The file replaced in a good folder (train 6 and test 3 samples, 5×4, gzipped). */
  file: string;
  content: Uint8Array | 'directory';
  problem: RegExp;
  /** Also run through the wgtrain command: one case per place an IdxError is raised. */
  cli?: true;
}

const gzImages = gzip(good.imagesFile);

const CASES: BadCase[] = [
  {
    name: 'wrong magic number',
    file: IMAGES,
    content: gzip(withBytes(good.imagesFile, (b) => ((b[0] = 0x12), (b[1] = 0x34)))),
    problem: /not an IDX file: magic number starts with 0x12 0x34, expected 0x00 0x00/,
    cli: true,
  },
  {
    name: 'rank 0 in the header',
    file: LABELS,
    content: gzip(withBytes(good.labelsFile, (b) => (b[3] = 0))),
    problem: /IDX header gives rank 0; expected 1 to 4 dimensions/,
  },
  {
    name: 'wrong rank for the role (an images file under the labels name)',
    file: LABELS,
    content: gzImages,
    problem: /expected u8 labels of shape \[count\], found u8 of shape \[6, 5, 4\]; is this a labels file\?/,
  },
  {
    name: 'truncated data',
    file: IMAGES,
    content: gzip(good.imagesFile.subarray(0, good.imagesFile.length - 7)),
    problem: /truncated data: shape \[6, 5, 4\] of u8 needs 120 bytes after the header but the file has 113; delete it and download again/,
  },
  {
    name: 'image and label counts differ',
    file: LABELS,
    content: gzip(writeIdx('u8', [TRAIN - 1], good.labels.subarray(0, TRAIN - 1))),
    problem: /has 5 labels but \S+train-images-idx3-ubyte\.gz has 6 images; the two files must come from the same set/,
    cli: true,
  },
  {
    name: 'label outside the class range',
    file: LABELS,
    content: gzip(writeIdx('u8', [TRAIN], [0, 1, 2, 10, 4, 5])),
    problem: /label 10 at index 3 is out of range; labels must be 0 to 9/,
  },
  {
    name: 'HTML page saved under the .gz name',
    file: IMAGES,
    content: new TextEncoder().encode('<!DOCTYPE html>\n<html><body>Redirecting…</body></html>\n'),
    problem: /looks like an HTML page, not IDX data: the download was probably redirected; delete it and download again/,
  },
  {
    name: 'corrupt gzip stream',
    file: IMAGES,
    content: withBytes(gzImages, (b) => {
      for (let i = 12; i < b.length - 8; i += 3) b[i] ^= 0x5a;
    }),
    problem: /corrupt gzip stream.*; delete it and download again/,
  },
  {
    name: 'gzip stream cut short',
    file: IMAGES,
    content: gzImages.subarray(0, gzImages.length >> 1),
    problem: /corrupt gzip stream.*; delete it and download again/,
  },
  {
    name: 'gzip trailer claiming 2 GB',
    file: IMAGES,
    content: withBytes(gzImages, (b) => new DataView(b.buffer).setUint32(b.length - 4, 2 ** 31, true)),
    problem: /corrupt gzip stream: trailer claims 2147483648 uncompressed bytes, more than \d+ compressed bytes can hold/,
    cli: true,
  },
  {
    name: 'empty file',
    file: IMAGES,
    content: new Uint8Array(0),
    problem: /file is empty; delete it and download again/,
  },
  {
    name: 'directory where a file should be',
    file: LABELS,
    content: 'directory',
    problem: /is a directory, not an IDX file; remove or rename it and put the file itself there/,
    cli: true,
  },
  {
    name: 'test images of another size',
    file: TEST_IMAGES,
    content: gzip(fakeSet(3, 7, 7).imagesFile),
    problem: /test images are 7x7 but the training images in \S+train-images-idx3-ubyte\.gz are 5x4; the files come from different data sets/,
  },
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wgtrain-bad-folder-'));
  await Promise.all(
    CASES.map(async (c, i) => {
      const dir = join(root, `case-${i}`);
      await writeIdxFolder(dir, { train: TRAIN, test: 3, rows: ROWS, cols: COLS });
      await rm(join(dir, c.file));
      if (c.content === 'directory') await mkdir(join(dir, c.file));
      else await writeFile(join(dir, c.file), c.content);
    }),
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Names, sizes and contents of everything in `dir`, to show a failed load changed nothing. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(join(dir, name));
    out.push(info.isFile() ? `${name} ${info.size} ${(await readFile(join(dir, name))).toString('base64')}` : `${name}/`);
  }
  return out;
}

describe('loadIdxDataset on a folder with one bad file', () => {
  CASES.forEach((c, i) => {
    it(`${c.name}: IdxError naming ${c.file} with its full path; the folder is unchanged`, async () => {
      const dir = join(root, `case-${i}`);
      const path = join(dir, c.file);
      const before = await snapshot(dir);
      const err = await loadIdxDataset(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IdxError);
      expect((err as IdxError).file).toBe(path);
      expect((err as Error).message.startsWith(`${path}: `)).toBe(true);
      expect((err as Error).message).toMatch(c.problem);
      expect((err as Error).message).not.toContain('\n');
      expect(await snapshot(dir)).toEqual(before);
    });
  });
});

describe('wgtrain train on a folder with one bad file', () => {
  it('exits with status 1 and prints only "wgtrain: <path>: <problem>", writing nothing', async () => {
    const run = async (i: number) => {
      const c = CASES[i];
      const dir = join(root, `case-${i}`);
      const before = await snapshot(dir);
      const r = await wgtrainHere('train', '--data', dir, '--device', 'cpu', '--epochs', '1');
      return { c, path: join(dir, c.file), r, changed: JSON.stringify(await snapshot(dir)) !== JSON.stringify(before) };
    };
    // Two at a time: each is a whole Node process, and the machine has two cores.
    const chosen = CASES.flatMap((c, i) => (c.cli ? [i] : []));
    const runs = [];
    for (let k = 0; k < chosen.length; k += 2) runs.push(...(await Promise.all(chosen.slice(k, k + 2).map(run))));
    expect(runs).toHaveLength(4);
    for (const { c, path, r, changed } of runs) {
      expect({ case: c.name, code: r.code, changed }).toEqual({ case: c.name, code: 1, changed: false });
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, c.name).toHaveLength(1);
      expect(lines[0].startsWith(`wgtrain: ${path}: `), `${c.name}: ${lines[0]}`).toBe(true);
      expect(lines[0], c.name).toMatch(c.problem);
      expect(r.stdout, c.name).not.toMatch(/epoch/i);
    }
  }, 120_000);
});
