/**
 * Image folders (src/data/image-folder.node.ts) on files written here in every format the
 * reader takes: class names from the folders, the order of the files, gray and colour
 * kept or converted, train/ and test/, --size; then every bad input refused with the
 * file named. And `--data PATH` telling an IDX folder, an image folder and a CSV file apart.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder, MAX_CLASSES } from '../../src/data/image-folder.node.ts';
import { loadDataPath } from '../../src/data/resolve.node.ts';
import { writeIdxFolder } from './fixtures.ts';
import { encodeImage, grayValue, pattern, type Format } from './image-fixtures.ts';

const ROWS = 4;
const COLS = 5;
const HW = ROWS * COLS;

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wgtrain-images-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A fresh folder under tmp. */
const folder = async () => {
  const d = join(tmp, `f${n++}`);
  await mkdir(d, { recursive: true });
  return d;
};

/** Writes image `seed` (pattern) as `path` under `root`, in the format its extension names. */
async function put(root: string, path: string, seed: number, opts: { colour?: boolean; rows?: number; cols?: number } = {}): Promise<void> {
  const [rows, cols] = [opts.rows ?? ROWS, opts.cols ?? COLS];
  const format = path.split('.').pop()!.toLowerCase().replace('jpeg', 'jpg') as Format;
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), await encodeImage(pattern(seed, rows, cols, opts.colour ?? false), rows, cols, format));
}

/** The gray plane of pattern `seed`. */
const gray = (seed: number) => Array.from({ length: HW }, (_, p) => grayValue(seed, p));

describe('image folders', () => {
  it('read PNG, JPEG, BMP, GIF and WebP files by class, in file-name order across classes', async () => {
    const root = await folder();
    await put(root, 'cat/00.png', 0);
    await put(root, 'dog/01.webp', 1);
    await put(root, 'emu/02.png', 2);
    await put(root, 'cat/03.bmp', 3);
    await put(root, 'dog/04.jpg', 4);
    await put(root, 'emu/10.PNG', 10); // natural order: 10 after 04
    await put(root, 'cat/sub/05.gif', 55); // any depth below the class folder: ordered by its path there, sub/05.gif
    await writeFile(join(root, 'emu', 'notes.txt'), 'not an image');
    await writeFile(join(root, 'emu', '.hidden.png'), 'skipped');

    const ds = await loadImageFolder(root);
    expect(ds).toMatchObject({ name: root.split('/').pop(), source: root, classNames: ['cat', 'dog', 'emu'], testFiles: 'test/ folder' });
    expect(ds.test).toBeUndefined();
    expect(ds.train).toMatchObject({ count: 7, channels: 1, rows: ROWS, cols: COLS, classes: 3 });
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    [0, 1, 2, 3, 4, 10, 55].forEach((seed, i) => {
      const got = Array.from(ds.train.images.subarray(i * HW, (i + 1) * HW));
      // JPEG is lossy even at quality 100; every other format gives the pixels back exactly.
      if (seed === 4) got.forEach((v, p) => expect(Math.abs(v - gray(seed)[p]), `image ${seed} pixel ${p}`).toBeLessThanOrEqual(4));
      else expect(got, `image ${seed}`).toEqual(gray(seed));
    });
  });

  it('keep colour as found (C×H×W), copy gray images into three channels beside it, and convert with --channels', async () => {
    const root = await folder();
    await put(root, 'a/0.png', 0);
    await put(root, 'b/1.png', 1, { colour: true });
    const ds = await loadImageFolder(root);
    expect(ds.train).toMatchObject({ count: 2, channels: 3 });
    const img = (i: number) => Array.from(ds.train.images.subarray(i * 3 * HW, (i + 1) * 3 * HW));
    expect(img(0)).toEqual([...gray(0), ...gray(0), ...gray(0)]);
    const rgba = pattern(1, ROWS, COLS, true);
    const plane = (c: number) => Array.from({ length: HW }, (_, p) => rgba[4 * p + c]);
    expect(img(1)).toEqual([...plane(0), ...plane(1), ...plane(2)]);

    const luma = await loadImageFolder(root, { channels: 1 });
    expect(luma.train.channels).toBe(1);
    expect(Array.from(luma.train.images.subarray(HW))).toEqual(plane(0).map((r, p) => Math.round(0.299 * r + 0.587 * plane(1)[p] + 0.114 * plane(2)[p])));
    const rgb = await loadImageFolder(root, { channels: 3 });
    expect(rgb.train.images).toEqual(ds.train.images);
  });

  it('read train/ and test/ sub-folders, the test classes labelled as the training ones', async () => {
    const root = await folder();
    await put(root, 'train/a/0.png', 0);
    await put(root, 'train/b/1.png', 1);
    await put(root, 'train/c/2.png', 2);
    await put(root, 'test/c/3.png', 3);
    await put(root, 'test/a/4.png', 4);
    const ds = await loadImageFolder(root);
    expect(ds.classNames).toEqual(['a', 'b', 'c']);
    expect(ds.train.count).toBe(3);
    expect(ds.test).toMatchObject({ count: 2, classes: 3, channels: 1, rows: ROWS, cols: COLS });
    expect(Array.from(ds.test!.labels)).toEqual([2, 0]);

    await put(root, 'test/zebra/5.png', 5);
    await expect(loadImageFolder(root)).rejects.toThrow(`${join(root, 'test', 'zebra')} is a class the training set does not have (its classes: a, b, c)`);
  });

  it('refuse images of different sizes without --size, naming the most common size; --size resizes them', async () => {
    const root = await folder();
    await put(root, 'a/0.png', 0);
    await put(root, 'a/1.png', 1);
    await put(root, 'b/2.png', 2, { rows: 6, cols: 6 });
    await expect(loadImageFolder(root)).rejects.toThrow(
      `the images differ in size: 2 of 3 are 4x5 (${join(root, 'a', '0.png')}), 1 are 6x6 (${join(root, 'b', '2.png')}); pass --size 4x5`,
    );
    const ds = await loadImageFolder(root, { size: { rows: 3, cols: 2 } });
    expect(ds.train).toMatchObject({ count: 3, rows: 3, cols: 2, channels: 1 });
    expect(ds.train.images.length).toBe(18);
  });

  describe('bad input, refused with the file named', () => {
    it('a corrupt or truncated image', async () => {
      const root = await folder();
      await put(root, 'a/0.png', 0);
      await mkdir(join(root, 'b'));
      await writeFile(join(root, 'b', 'bad.png'), 'this is not a PNG');
      await expect(loadImageFolder(root)).rejects.toThrow(new RegExp(`${join(root, 'b', 'bad.png')} is not an image wgtrain can decode \\(.*\\); it may be corrupt or truncated: remove or replace it`));

      const cut = await folder();
      await put(cut, 'a/0.png', 0);
      const png = await encodeImage(pattern(1, 20, 20, true), 20, 20, 'png');
      await mkdir(join(cut, 'b'));
      await writeFile(join(cut, 'b', 'half.png'), png.subarray(0, png.length >> 1));
      await expect(loadImageFolder(cut)).rejects.toThrow(`${join(cut, 'b', 'half.png')} is not an image wgtrain can decode`);
    });

    it('a class folder without images', async () => {
      const root = await folder();
      await put(root, 'a/0.png', 0);
      await mkdir(join(root, 'b'));
      await writeFile(join(root, 'b', 'readme.txt'), 'no images here');
      await expect(loadImageFolder(root)).rejects.toThrow(`class folder ${join(root, 'b')} holds no images (.png .jpg .jpeg .bmp .gif .webp); add some or remove the folder`);
    });

    it('more class folders than labels can name (a folder of 1,000 sub-folders), before reading any', async () => {
      const root = await folder();
      await Promise.all(Array.from({ length: 1000 }, (_, i) => mkdir(join(root, `c${i}`))));
      await expect(loadImageFolder(root)).rejects.toThrow(`${root} has 1,000 class folders; wgtrain takes at most ${MAX_CLASSES} classes (labels are one byte)`);
    });

    it('fewer than two class folders', async () => {
      const root = await folder();
      await put(root, 'only/0.png', 0);
      await expect(loadImageFolder(root)).rejects.toThrow(`${root} has one class folder (only): an image folder holds one sub-folder of images per class, at least two`);
    });

    it('a link that leads out of the folder, to a file or a folder; links inside it are followed', async () => {
      const outside = await folder();
      await put(outside, 'x/secret.png', 9);
      const root = await folder();
      await put(root, 'a/0.png', 0);
      await put(root, 'b/1.png', 1);
      await symlink(join(root, 'a', '0.png'), join(root, 'b', 'same.png'));
      expect((await loadImageFolder(root)).train.count).toBe(3);

      await symlink(join(outside, 'x', 'secret.png'), join(root, 'b', 'out.png'));
      await expect(loadImageFolder(root)).rejects.toThrow(
        `${join(root, 'b', 'out.png')} is a link to ${join(outside, 'x', 'secret.png')}, outside the data folder ${root}: wgtrain reads only files inside it`,
      );
      const other = await folder();
      await put(other, 'a/0.png', 0);
      await symlink(join(outside, 'x'), join(other, 'b'));
      await expect(loadImageFolder(other)).rejects.toThrow(`${join(other, 'b')} is a link to ${join(outside, 'x')}, outside the data folder ${other}`);
    });

    it('a broken link', async () => {
      const root = await folder();
      await put(root, 'a/0.png', 0);
      await put(root, 'b/1.png', 1);
      await symlink(join(root, 'nowhere.png'), join(root, 'b', 'gone.png'));
      await expect(loadImageFolder(root)).rejects.toThrow(`${join(root, 'b', 'gone.png')} cannot be read (ENOENT); is it a broken link?`);
    });
  });
});

describe('--data PATH', () => {
  it('tells an IDX folder, an image folder and a CSV file apart', async () => {
    const idx = await folder();
    await writeIdxFolder(idx, { train: 12 });
    expect(await loadDataPath(idx)).toMatchObject({ train: { count: 12, channels: 1, rows: 5, cols: 4 } });
    await expect(loadDataPath(idx, { size: { rows: 3, cols: 3 } })).rejects.toThrow(`--channels and --size apply to image folders and CSV files; ${idx} is a folder of data files (IDX, EMNIST or CIFAR-10)`);

    const images = await folder();
    await put(images, 'a/0.png', 0);
    await put(images, 'b/1.png', 1);
    expect(await loadDataPath(images)).toMatchObject({ classNames: ['a', 'b'], train: { count: 2 } });

    const csv = join(await folder(), 'digits.csv');
    await writeFile(csv, 'label,p0,p1,p2,p3\n1,0,1,2,3\n0,4,5,6,7\n');
    expect(await loadDataPath(csv)).toMatchObject({ name: 'digits', train: { count: 2, rows: 2, cols: 2 } });

    const other = join(await folder(), 'digits.txt');
    await writeFile(other, '1,2,3');
    await expect(loadDataPath(other)).rejects.toThrow(`${other} is a file, not a folder or a .csv file`);
    await expect(loadDataPath(join(tmp, 'none'))).rejects.toThrow(/data folder .*none does not exist; run `wgtrain data mnist`.*a folder of images by class/);
    // A missing CSV file is called one, not a folder.
    await expect(loadDataPath(join(tmp, 'none.csv'))).rejects.toThrow(/^CSV file .*none\.csv does not exist; /);
  });
});
