// A folder of images by class, as torchvision's ImageFolder reads it: DIR/<class name>/…
// (files at any depth below the class folder), or DIR/train/<class>/… with an optional
// DIR/test/<class>/… test set. Class names are the folder names, sorted; each image's label
// is its folder's index. Nothing half-loaded is returned: the first unreadable file, empty
// class folder or link out of DIR stops the load with the file named.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Dataset, Split } from './dataset.ts';
import { assembleSplit, commonChannels, commonSize, planesOf, type ImagePlanes, type ImageSize } from './image-assembly.ts';
import { decodeImage, IMAGE_EXTENSIONS, resizeImage } from './image-decode.node.ts';

/** Labels are one byte (Split.labels). */
export const MAX_CLASSES = 256;

/** Files read and decoded at once: enough to keep the disk and the decoder busy. */
const IN_FLIGHT = 32;

export interface ImageFolderOptions {
  /** Convert every image to this many channels (`--channels`); default: 3 when any image is in colour, else 1. */
  channels?: 1 | 3;
  /** Resize every image to this (`--size`); default: the size they all have (differing sizes are refused). */
  size?: ImageSize;
}

interface Sample {
  file: string;
  label: number;
  /** The path below the class folder, which orders the samples. */
  name: string;
}

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;
const isImageFile = (name: string) => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

class FolderWalk {
  private seen = new Set<string>();
  constructor(readonly root: string, private realRoot: string) {}

  /** The real path of `path`, refused when a link takes it out of the data folder. */
  async inside(path: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(path);
    } catch (e) {
      throw new Error(`${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is it a broken link?`);
    }
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      throw new Error(
        `${path} is a link to ${real}, outside the data folder ${this.root}: wgtrain reads only files inside it; copy the file in or remove the link`,
      );
    }
    return real;
  }

  /** Sub-folders of `dir` (hidden ones skipped), sorted by name. */
  async folders(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) out.push(e.name);
      else if (e.isSymbolicLink()) {
        const real = await this.inside(join(dir, e.name));
        if ((await stat(real)).isDirectory()) out.push(e.name);
      }
    }
    return out.sort();
  }

  /** Image files anywhere below `dir` (links followed inside the data folder, each folder once). */
  async images(dir: string, into: string[] = []): Promise<string[]> {
    const real = await this.inside(dir);
    if (this.seen.has(real)) return into;
    this.seen.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const info = await stat(await this.inside(path));
        [isDir, isFile] = [info.isDirectory(), info.isFile()];
      }
      if (isDir) await this.images(path, into);
      else if (isFile && isImageFile(e.name)) into.push(path);
    }
    return into;
  }
}

/** The samples of one split folder (`dir` holds the class folders), labelled by `classes` (all of them when not given). */
async function listSamples(walk: FolderWalk, dir: string, classes?: string[]): Promise<{ classes: string[]; samples: Sample[] }> {
  const folders = await walk.folders(dir);
  if (folders.length > MAX_CLASSES) {
    throw new Error(
      `${dir} has ${folders.length.toLocaleString('en-US')} class folders; wgtrain takes at most ${MAX_CLASSES} classes (labels are one byte). ` +
        `Pass the folder whose sub-folders are the classes (DIR/<class>/image.png)`,
    );
  }
  if (!classes && folders.length < 2) {
    throw new Error(
      `${dir} has ${folders.length === 0 ? 'no class folders' : `one class folder (${folders[0]})`}: an image folder holds one sub-folder of images per class, ` +
        `at least two (DIR/<class>/image.png, or DIR/train/<class>/… and DIR/test/<class>/…)`,
    );
  }
  const names = classes ?? folders;
  const samples: Sample[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    if (label < 0) {
      throw new Error(`${join(dir, folder)} is a class the training set does not have (its classes: ${names.join(', ')}); remove it or add it to the training set`);
    }
    const files = await walk.images(join(dir, folder));
    if (files.length === 0) {
      throw new Error(`class folder ${join(dir, folder)} holds no images (${IMAGE_EXTENSIONS.join(' ')}); add some or remove the folder`);
    }
    const classDir = join(dir, folder);
    for (const file of files) samples.push({ file, label, name: relative(classDir, file) });
  }
  // Across classes in file-name order, so that files named by index keep their order and
  // the validation images (the last ones) come from every class, not the last class only.
  samples.sort((a, b) => naturalOrder(a.name, b.name) || a.label - b.label);
  return { classes: names, samples };
}

async function decodeAll(samples: Sample[], size?: ImageSize): Promise<{ planes: ImagePlanes[]; found: { file: string; rows: number; cols: number }[] }> {
  const planes = new Array<ImagePlanes>(samples.length);
  const found = new Array<{ file: string; rows: number; cols: number }>(samples.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < samples.length && !failed) {
      const i = next++;
      await decodeOne(i).catch((e) => {
        failed = true;
        throw e;
      });
    }
  };
  const decodeOne = async (i: number) => {
    const { file } = samples[i];
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new Error(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`);
    }
    let img;
    try {
      img = await decodeImage(bytes);
    } catch (e) {
      throw new Error(`${file} is not an image wgtrain can decode (${(e as Error).message || String(e)}); it may be corrupt or truncated: remove or replace it`);
    }
    if (!(img.width > 0 && img.height > 0)) throw new Error(`${file} decodes to an empty image (${img.width}x${img.height}); remove or replace it`);
    found[i] = { file, rows: img.height, cols: img.width };
    if (size) img = resizeImage(img, size.rows, size.cols);
    planes[i] = planesOf(img.data, img.height, img.width);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, samples.length) }, worker));
  return { planes, found };
}

/** Reads an image folder (see the top of this file) into a data set named after the folder. */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  const walk = new FolderWalk(root, await realpath(root));
  const top = await walk.folders(root);
  const split = top.includes('train');
  const train = await listSamples(walk, split ? join(root, 'train') : root);
  const test = split && top.includes('test') ? await listSamples(walk, join(root, 'test'), train.classes) : undefined;

  const decodedTrain = await decodeAll(train.samples, opts.size);
  const decodedTest = test ? await decodeAll(test.samples, opts.size) : undefined;
  commonSize([...decodedTrain.found, ...(decodedTest?.found ?? [])], opts.size); // refuses differing sizes without --size
  const channels = commonChannels([...decodedTrain.planes, ...(decodedTest?.planes ?? [])], opts.channels);
  const classes = train.classes.length;
  const build = (planes: ImagePlanes[], samples: Sample[]): Split => assembleSplit(planes, Uint8Array.from(samples, (s) => s.label), channels, classes);
  const dataset: Dataset = {
    name: basename(root), source: root, train: build(decodedTrain.planes, train.samples), classNames: train.classes, testFiles: 'test/ folder',
  };
  if (test && decodedTest) dataset.test = build(decodedTest.planes, test.samples);
  return dataset;
}
