// An image folder from files in memory (src/data/image-files.ts), as the page loads a picked
// folder or a zip: the same data set as the CLI's reader gives for the same folder on disk,
// the wrapping folder stripped, and the errors naming the file.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFromImageFiles, unwrapFolder, unzipFolder, type DecodeImage } from '../../src/data/image-files.ts';
import { decodeImage, resizeImage } from '../../src/data/image-decode.node.ts';
import { loadImageFolder } from '../../src/data/image-folder.node.ts';
import { encodeImage, pattern } from './image-fixtures.ts';

let dir: string;
/** `mine/<class>/<n>.png`: 3 classes of awkward names, 3×5 images, one class in colour; paths → bytes. */
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-image-files-'));
  const classes = ['Cat', 'dog 2', 'émeu'];
  let seed = 1;
  for (const [k, name] of classes.entries()) {
    await mkdir(join(dir, 'mine', name), { recursive: true });
    for (const n of [1, 2, 10]) {
      const bytes = await encodeImage(pattern(seed++, 3, 5, k === 2), 3, 5, 'png');
      files[`mine/${name}/${n}.png`] = bytes;
      await writeFile(join(dir, 'mine', name, `${n}.png`), bytes);
    }
  }
  files['mine/Cat/notes.txt'] = new TextEncoder().encode('not an image');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an image folder from files in memory', () => {
  it('a zip of the folder gives the data set the CLI reads from the folder on disk', async () => {
    const folder = await unzipFolder(zipSync(files), 'mine.zip');
    expect(folder.folder).toBe('mine');
    const page = await datasetFromImageFiles(folder, decodeImage, 'mine', 'mine.zip');
    const cli = await loadImageFolder(join(dir, 'mine'));
    expect(page.classNames).toEqual(['Cat', 'dog 2', 'émeu']);
    expect(page.classNames).toEqual(cli.classNames);
    expect(page.train.channels).toBe(3);
    expect({ ...page.train, images: [...page.train.images], labels: [...page.train.labels] }).toEqual({
      ...cli.train, images: [...cli.train.images], labels: [...cli.train.labels],
    });
    expect(page.test).toBeUndefined();
  });

  it('picked files (webkitRelativePath) unwrap the same way; train/ and test/ split', async () => {
    const paths = ['pick/train/a/1.png', 'pick/train/b/1.png', 'pick/test/b/2.png', 'pick/.DS_Store'];
    const bytes = files['mine/Cat/1.png'];
    const folder = await unwrapFolder(paths, [], () => bytes);
    expect(folder.folder).toBe('pick');
    expect([...folder.files.keys()].sort()).toEqual(['test/b/2.png', 'train/a/1.png', 'train/b/1.png']);
    const d = await datasetFromImageFiles(folder, decodeImage, 'pick', 'your folder');
    expect(d.classNames).toEqual(['a', 'b']);
    expect(d.train.count).toBe(2);
    expect(d.test?.count).toBe(1);
    expect([...d.test!.labels]).toEqual([1]);
  });

  it('refuses a corrupt image, a class folder without images and mixed sizes, naming the file; nothing is returned', async () => {
    const corrupt = { ...files, 'mine/dog 2/2.png': files['mine/dog 2/2.png'].subarray(0, 40) };
    await expect(datasetFromImageFiles(await unzipFolder(zipSync(corrupt), 'm.zip'), decodeImage, 'mine', 'm')).rejects.toThrow(
      'mine/dog 2/2.png is not an image wgtrain can decode',
    );
    const empty = { ...files, 'mine/zebra/readme.txt': new Uint8Array([65]) };
    await expect(datasetFromImageFiles(await unzipFolder(zipSync(empty), 'm.zip'), decodeImage, 'mine', 'm')).rejects.toThrow(
      'class folder mine/zebra holds no images',
    );
    const big = await encodeImage(pattern(7, 4, 4, false), 4, 4, 'png');
    const mixed = { ...files, 'mine/Cat/2.png': big };
    await expect(datasetFromImageFiles(await unzipFolder(zipSync(mixed), 'm.zip'), decodeImage, 'mine', 'm')).rejects.toThrow(
      /the images differ in size: 8 of 9 are 3x5 .*, 1 are 4x4 \(mine\/Cat\/2.png\); set Image size to 3x5 \(or another size\) in the page's Data section/,
    );
    await expect(unzipFolder(new Uint8Array([1, 2, 3, 4]), 'broken.zip')).rejects.toThrow('broken.zip is not a zip file that can be read');
  });

  it('with a size and channels asked for, gives what the CLI gives with --size and --channels (the same resizer here)', async () => {
    const big = await encodeImage(pattern(7, 4, 4, false), 4, 4, 'png');
    const mixed = { ...files, 'mine/Cat/2.png': big };
    const resizing: DecodeImage = async (bytes, size) => {
      const img = await decodeImage(bytes);
      return size ? resizeImage(img, size.rows, size.cols) : img;
    };
    const folder = await unzipFolder(zipSync(mixed), 'm.zip');
    const onDisk = join(dir, 'mixed');
    for (const [path, bytes] of Object.entries(mixed)) {
      await mkdir(join(onDisk, path, '..'), { recursive: true });
      await writeFile(join(onDisk, path), bytes);
    }
    for (const opts of [{ size: { rows: 6, cols: 2 } }, { size: { rows: 3, cols: 3 }, channels: 1 as const }]) {
      const page = await datasetFromImageFiles(folder, resizing, 'mine', 'm', opts);
      const cli = await loadImageFolder(join(onDisk, 'mine'), opts);
      expect([page.train.channels, page.train.rows, page.train.cols]).toEqual([opts.channels ?? 3, opts.size.rows, opts.size.cols]);
      expect([...page.train.images]).toEqual([...cli.train.images]);
    }
    // Gray to colour copies the plane: a gray image's three planes are equal.
    const gray = Object.fromEntries(Object.entries(files).filter(([p]) => !p.includes('émeu')));
    const rgb = await datasetFromImageFiles(await unzipFolder(zipSync(gray), 'g.zip'), resizing, 'mine', 'g', { channels: 3 });
    const HW = 15;
    expect(rgb.train.channels).toBe(3);
    expect(rgb.train.images.subarray(HW, 2 * HW)).toEqual(rgb.train.images.subarray(0, HW));
    expect(rgb.train.images.subarray(2 * HW, 3 * HW)).toEqual(rgb.train.images.subarray(0, HW));
  });
});
