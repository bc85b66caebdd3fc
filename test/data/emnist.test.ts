import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetFromEmnistFiles, emnistFileName, emnistFileRole, transposeImages } from '../../src/data/emnist.ts';
import { loadDataFolder } from '../../src/data/folder.node.ts';
import { emnistImages, emnistSplit } from './archive-fixtures.ts';
import { gzip, writeIdx } from './fixtures.ts';

describe('transposeImages', () => {
  it('turns each column-major image of a non-square [count, width, height] tensor upright', () => {
    const { upright, stored } = emnistImages(3, 4, 7);
    const out = transposeImages({ dtype: 'u8', shape: [3, 7, 4], data: stored }, 'f');
    expect(out.shape).toEqual([3, 4, 7]);
    expect(out.data).toEqual(upright);
  });
});

describe('emnistFileRole and emnistFileName', () => {
  it('recognise the EMNIST names, gzipped or not, and nothing else', () => {
    expect(emnistFileRole('x/emnist-letters-train-images-idx3-ubyte.gz')).toEqual({ split: 'letters', role: 'trainImages', gzip: true });
    expect(emnistFileRole('emnist-digits-test-labels-idx1-ubyte')).toEqual({ split: 'digits', role: 'testLabels', gzip: false });
    expect(emnistFileRole('emnist-letters-mapping.txt')).toBeUndefined();
    expect(emnistFileRole('emnist-nosuch-train-images-idx3-ubyte.gz')).toBeUndefined();
    expect(emnistFileRole('train-images-idx3-ubyte.gz')).toBeUndefined();
    expect(emnistFileName('letters', 'testImages')).toBe('emnist-letters-test-images-idx3-ubyte.gz');
  });
});

describe('datasetFromEmnistFiles', () => {
  it('letters: images upright, labels 1–26 read as 0–25, 26 classes named a–z', () => {
    const fx = emnistSplit('letters', 30, 8);
    const ds = datasetFromEmnistFiles(fx.files, 'letters', 'emnist-letters', 'src');
    expect([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols, ds.train.classes]).toEqual([30, 1, 6, 5, 26]);
    expect(ds.train.images).toEqual(fx.train.upright);
    expect([...ds.train.labels]).toEqual([...fx.train.labels].map((l) => l - 1));
    expect(Math.max(...ds.train.labels)).toBe(25);
    expect(ds.test?.images).toEqual(fx.test.upright);
    expect(ds.classNames?.[0]).toBe('a');
    expect(ds.classNames).toHaveLength(26);
  });

  it('digits: labels as they are, ten classes', () => {
    const fx = emnistSplit('digits', 12, 4);
    const ds = datasetFromEmnistFiles(fx.files, 'digits', 'emnist-digits', 'src');
    expect([...ds.train.labels]).toEqual([...fx.train.labels]);
    expect(ds.train.classes).toBe(10);
    expect(ds.train.images).toEqual(fx.train.upright);
  });

  it('refuses a letters label of 0 or 27, a missing training file and half a test pair', () => {
    const fx = emnistSplit('letters', 3, 2);
    const labels = (values: number[]) => gzip(writeIdx('u8', [values.length], values));
    for (const bad of [0, 27]) {
      const files = new Map(fx.files).set('emnist-letters-train-labels-idx1-ubyte.gz', labels([1, bad, 2]));
      expect(() => datasetFromEmnistFiles(files, 'letters', 'n', 'src')).toThrow(
        `emnist-letters-train-labels-idx1-ubyte.gz: label ${bad} at index 1 is out of range; EMNIST letters labels are 1 to 26`,
      );
    }
    const noTrain = new Map(fx.files);
    noTrain.delete('emnist-letters-train-images-idx3-ubyte.gz');
    expect(() => datasetFromEmnistFiles(noTrain, 'letters', 'n', 'src')).toThrow(/^src: missing emnist-letters-train-images-idx3-ubyte\.gz/);
    const halfTest = new Map(fx.files);
    halfTest.delete('emnist-letters-test-labels-idx1-ubyte.gz');
    expect(() => datasetFromEmnistFiles(halfTest, 'letters', 'n', 'src')).toThrow(/not emnist-letters-test-labels-idx1-ubyte\.gz/);
  });
});

describe('loadDataFolder with EMNIST', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-emnist-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the one split a folder holds, and asks which when it holds several', async () => {
    const letters = emnistSplit('letters', 10, 3);
    for (const [name, bytes] of letters.files) await writeFile(join(dir, name), bytes);
    const ds = await loadDataFolder(dir);
    expect(ds.train.images).toEqual(letters.train.upright);
    expect(ds.train.classes).toBe(26);

    for (const [name, bytes] of emnistSplit('digits', 4, 2).files) await writeFile(join(dir, name), bytes);
    await expect(loadDataFolder(dir)).rejects.toThrow(/holds the EMNIST splits digits, letters: name one with --data emnist-letters/);
    expect((await loadDataFolder(dir, 'digits')).train.count).toBe(4);
  });
});
