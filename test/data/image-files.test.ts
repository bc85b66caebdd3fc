// An image folder from files in memory (src/data/image-files.ts), as the page loads a picked
// folder or a zip: the same data set as the CLI's reader gives for the same folder on disk,
// the wrapping folder stripped, and the errors naming the file.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFromImageFiles, unwrapFolder, unzipFolder } from '../../src/data/image-files.ts';
import { decodeImage } from '../../src/data/image-decode.node.ts';
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
      /the images differ in size: 8 of 9 are 3x5 .*, 1 are 4x4 \(mine\/Cat\/2.png\); resize them to one size first .*--size 3x5/,
    );
    await expect(unzipFolder(new Uint8Array([1, 2, 3, 4]), 'broken.zip')).rejects.toThrow('broken.zip is not a zip file that can be read');
  });
});
