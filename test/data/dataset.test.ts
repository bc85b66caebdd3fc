import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { datasetFromFiles, holdOut, idxFileRole, makeSplit, subset, type Split } from '../../src/data/dataset.ts';
import { IdxError, parseIdx } from '../../src/data/idx.ts';
import { fakeSet, gzip, mnistDir, writeIdx, writeIdxFolder } from './fixtures.ts';

function split(count: number, rows = 5, cols = 4): Split {
  const s = fakeSet(count, rows, cols);
  return makeSplit(parseIdx(s.imagesFile, 'img'), parseIdx(s.labelsFile, 'lbl'), 'img', 'lbl');
}

describe('makeSplit', () => {
  it('assembles images and labels of any size', () => {
    const s = fakeSet(6, 9, 13);
    const result = makeSplit(parseIdx(s.imagesFile, 'i'), parseIdx(s.labelsFile, 'l'), 'i', 'l');
    expect(result).toMatchObject({ count: 6, rows: 9, cols: 13, classes: 10 });
    expect(result.images).toEqual(s.images);
    expect(result.labels).toEqual(s.labels);
  });

  it('names both files and both counts when they disagree', () => {
    const images = parseIdx(fakeSet(5).imagesFile, 'a');
    const labels = parseIdx(fakeSet(4).labelsFile, 'b');
    expect(() => makeSplit(images, labels, 'my-images.gz', 'my-labels.gz')).toThrow(
      new IdxError('my-labels.gz', 'has 4 labels but my-images.gz has 5 images; the two files must come from the same set'),
    );
  });

  it('names the file, index and value of the first out-of-range label', () => {
    const labels = parseIdx(writeIdx('u8', [4], [1, 9, 10, 200]), 'l');
    const images = parseIdx(fakeSet(4).imagesFile, 'i');
    expect(() => makeSplit(images, labels, 'imgs', 'labels.gz')).toThrow(IdxError);
    expect(() => makeSplit(images, labels, 'imgs', 'labels.gz')).toThrow(
      'labels.gz: label 10 at index 2 is out of range; labels must be 0 to 9',
    );
    // With more classes the same labels are fine up to the limit.
    expect(() => makeSplit(images, labels, 'imgs', 'labels.gz', 201)).not.toThrow();
  });

  it('rejects files of the wrong kind', () => {
    const images = parseIdx(fakeSet(4).imagesFile, 'i');
    const labels = parseIdx(fakeSet(4).labelsFile, 'l');
    expect(() => makeSplit(labels, labels, 'swapped', 'l')).toThrow(/swapped: expected u8 images of shape \[count, rows, cols\], found u8 of shape \[4\]/);
    expect(() => makeSplit(images, images, 'i', 'also-images')).toThrow(/also-images: expected u8 labels/);
    const floats = parseIdx(writeIdx('f32', [4, 1, 1], [0, 1, 2, 3]), 'f');
    expect(() => makeSplit(floats, labels, 'floats', 'l')).toThrow(/floats: .*found f32/);
  });
});

describe('holdOut and subset', () => {
  it('takes the last samples as validation without copying', () => {
    const all = split(10);
    const { train, val } = holdOut(all, 3);
    expect(train.count).toBe(7);
    expect(val.count).toBe(3);
    expect(train.images.length).toBe(7 * 20);
    expect(val.images.length).toBe(3 * 20);
    expect(Array.from(val.labels)).toEqual(Array.from(all.labels.subarray(7)));
    expect(val.images[0]).toBe(all.images[7 * 20]);
    expect(val.images.buffer).toBe(all.images.buffer);
    expect(val).toMatchObject({ rows: 5, cols: 4, classes: 10 });
    expect(holdOut(all, 0).val.count).toBe(0);
  });

  it('refuses validation sizes that leave no training data or are negative', () => {
    const all = split(10);
    expect(() => holdOut(all, 10)).toThrow(/validation size must be a whole number from 0 to 9 .*got 10/);
    expect(() => holdOut(all, -1)).toThrow(/got -1/);
    expect(() => holdOut(all, 2.5)).toThrow(/got 2.5/);
  });

  it('subset keeps the first samples', () => {
    const all = split(10);
    const first = subset(all, 4);
    expect(first.count).toBe(4);
    expect(first.images).toEqual(all.images.subarray(0, 80));
    expect(first.labels).toEqual(all.labels.subarray(0, 4));
    expect(() => subset(all, 11)).toThrow(/the set has 10 samples/);
  });
});

describe('datasetFromFiles', () => {
  it('accepts raw and gzipped names, the dotted spelling and paths, with an optional test set', () => {
    const train = fakeSet(8);
    const test = fakeSet(3);
    const files = new Map<string, Uint8Array>([
      ['some/folder/train-images-idx3-ubyte.gz', gzip(train.imagesFile)],
      ['train-labels-idx1-ubyte', train.labelsFile],
      ['t10k-images.idx3-ubyte', test.imagesFile],
      ['t10k-labels-idx1-ubyte.gz', gzip(test.labelsFile)],
      ['README.md', new Uint8Array(3)],
    ]);
    const ds = datasetFromFiles(files, 'fashion', 'dropped files');
    expect(ds.name).toBe('fashion');
    expect(ds.train.count).toBe(8);
    expect(ds.test?.count).toBe(3);
    expect(ds.test?.labels).toEqual(test.labels);

    files.delete('t10k-images.idx3-ubyte');
    files.delete('t10k-labels-idx1-ubyte.gz');
    expect(datasetFromFiles(files, 'x', 'y').test).toBeUndefined();
  });

  it('lists the expected names when training files are missing', () => {
    const files = new Map([['train-images-idx3-ubyte.gz', gzip(fakeSet(2).imagesFile)]]);
    expect(() => datasetFromFiles(files, 'x', 'upload')).toThrow(
      /upload: missing train-labels-idx1-ubyte\(\.gz\)\. An IDX data set needs train-images-idx3-ubyte\(\.gz\) and train-labels-idx1-ubyte\(\.gz\)/,
    );
  });

  it('refuses half a test set', () => {
    const s = fakeSet(2);
    const files = new Map([
      ['train-images-idx3-ubyte', s.imagesFile],
      ['train-labels-idx1-ubyte', s.labelsFile],
      ['t10k-images-idx3-ubyte', s.imagesFile],
    ]);
    expect(() => datasetFromFiles(files, 'x', 'src')).toThrow(/found t10k-images-idx3-ubyte but not t10k-labels-idx1-ubyte/);
  });

  it('maps file names to roles', () => {
    expect(idxFileRole('C:\\data\\train-labels-idx1-ubyte.gz')).toEqual({ role: 'trainLabels', gzip: true });
    expect(idxFileRole('t10k-images.idx3-ubyte')).toEqual({ role: 'testImages', gzip: false });
    expect(idxFileRole('train-images-idx3-ubyte.zip')).toBeUndefined();
  });
});

describe('loadIdxDataset', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wgtrain-dataset-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads a folder of gzipped files with a test set', async () => {
    const written = await writeIdxFolder(join(root, 'fake'), { train: 12, test: 4, rows: 6, cols: 3 });
    const ds = await loadIdxDataset(join(root, 'fake'));
    expect(ds.name).toBe('fake');
    expect(ds.source).toBe(join(root, 'fake'));
    expect(ds.train).toMatchObject({ count: 12, rows: 6, cols: 3 });
    expect(ds.train.images).toEqual(written.train.images);
    expect(ds.test?.labels).toEqual(written.test?.labels);
    // Plain Uint8Arrays, not Buffers, so slice() copies as in the browser.
    expect(Object.getPrototypeOf(ds.train.images)).toBe(Uint8Array.prototype);
  });

  it('loads raw files without a test set', async () => {
    await writeIdxFolder(root, { train: 5, gzip: false });
    const ds = await loadIdxDataset(root, 'named');
    expect(ds.name).toBe('named');
    expect(ds.train.count).toBe(5);
    expect(ds.test).toBeUndefined();
  });

  it('prefers X.gz over X when both exist', async () => {
    const gz = fakeSet(3);
    await writeFile(join(root, 'train-images-idx3-ubyte.gz'), gzip(gz.imagesFile));
    await writeFile(join(root, 'train-labels-idx1-ubyte.gz'), gzip(gz.labelsFile));
    await writeFile(join(root, 'train-images-idx3-ubyte'), new Uint8Array([1, 2, 3]));
    const ds = await loadIdxDataset(root);
    expect(ds.train.count).toBe(3);
  });

  it('says which training files are missing and how to get data', async () => {
    await writeFile(join(root, 'train-images-idx3-ubyte.gz'), gzip(fakeSet(2).imagesFile));
    await expect(loadIdxDataset(root)).rejects.toThrow(
      /has no train-labels-idx1-ubyte\(\.gz\) \(it holds train-images-idx3-ubyte\.gz\); run `wgtrain data mnist` .* --data DIR/,
    );
  });

  it('reports a missing folder', async () => {
    await expect(loadIdxDataset(join(root, 'nope'))).rejects.toThrow(/data folder .*nope does not exist; run `wgtrain data mnist`/);
  });

  it('reports a file given in place of the folder', async () => {
    await writeFile(join(root, 'train-images-idx3-ubyte.gz'), new Uint8Array(1));
    await expect(loadIdxDataset(join(root, 'train-images-idx3-ubyte.gz'))).rejects.toThrow(/is a file, not a folder/);
  });

  it('reports a directory where a file should be', async () => {
    await writeIdxFolder(root, { train: 3 });
    await rm(join(root, 'train-labels-idx1-ubyte.gz'));
    await mkdir(join(root, 'train-labels-idx1-ubyte.gz'));
    await expect(loadIdxDataset(root)).rejects.toThrow(/train-labels-idx1-ubyte\.gz: is a directory, not an IDX file/);
  });

  it('passes on parse errors with the file path', async () => {
    await writeIdxFolder(root, { train: 3 });
    await writeFile(join(root, 'train-labels-idx1-ubyte.gz'), new TextEncoder().encode('<!DOCTYPE html>'));
    await expect(loadIdxDataset(root)).rejects.toThrow(`${join(root, 'train-labels-idx1-ubyte.gz')}: looks like an HTML page`);
  });

  it('reads the real MNIST training folder in place', async (ctx) => {
    const { dir, reason } = mnistDir();
    ctx.skip(!dir, reason);
    const ds = await loadIdxDataset(dir!, 'mnist');
    expect(ds.train).toMatchObject({ count: 60000, rows: 28, cols: 28, classes: 10 });
    expect(ds.test).toBeUndefined();
    const { train, val } = holdOut(ds.train, 10000);
    expect(train.count).toBe(50000);
    expect(val.labels.length).toBe(10000);
  }, 60_000);
});
