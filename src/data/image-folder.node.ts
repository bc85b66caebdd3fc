// A folder of images by class, read from the disk: the layout rules (DIR/<class>/…, or
// DIR/train/<class>/… with an optional DIR/test/<class>/…; class names the sorted folder
// names) are image-folder-layout.ts's, which the page shares. Nothing half-loaded is
// returned: the first unreadable file, empty class folder or link out of DIR stops the
// load with the file named.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { Dataset, Split } from './dataset.ts';
import { assembleSplit, commonChannels, commonSize, decodeChecked, eachInFlight, planesOf, type ImagePlanes, type ImageSize } from './image-assembly.ts';
import { decodeImage, resizeImage } from './image-decode.node.ts';
import { imageFolderLayout, isImageFile, type LayoutSample } from './image-folder-layout.ts';

export { MAX_CLASSES } from './image-folder-layout.ts';

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
}

/** Every folder and image file below the root, as '/'-separated paths relative to it; links followed inside it, each real folder once. */
class FolderWalk {
  private seen = new Set<string>();
  readonly dirs: string[] = [];
  readonly files: string[] = [];
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

  /** Walks the folder at `rel` ('' the root); hidden entries are skipped. */
  async walk(rel = ''): Promise<void> {
    const dir = rel === '' ? this.root : join(this.root, rel);
    const real = await this.inside(dir);
    if (this.seen.has(real)) return;
    this.seen.add(real);
    if (rel !== '') this.dirs.push(rel);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const info = await stat(await this.inside(join(this.root, path)));
        [isDir, isFile] = [info.isDirectory(), info.isFile()];
      }
      if (isDir) await this.walk(path);
      else if (isFile && isImageFile(e.name)) this.files.push(path);
    }
  }
}

async function decodeAll(samples: Sample[], size?: ImageSize): Promise<{ planes: ImagePlanes[]; found: { file: string; rows: number; cols: number }[] }> {
  const planes = new Array<ImagePlanes>(samples.length);
  const found = new Array<{ file: string; rows: number; cols: number }>(samples.length);
  await eachInFlight(samples.length, IN_FLIGHT, async (i) => {
    const { file } = samples[i];
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new Error(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`);
    }
    let img = await decodeChecked(file, () => decodeImage(bytes));
    found[i] = { file, rows: img.height, cols: img.width };
    if (size) img = resizeImage(img, size.rows, size.cols);
    planes[i] = planesOf(img.data, img.height, img.width);
  });
  return { planes, found };
}

/** Reads an image folder (see the top of this file) into a data set named after the folder. */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const root = resolve(dir);
  const walk = new FolderWalk(root, await realpath(root));
  await walk.walk();
  const layout = imageFolderLayout(root, walk.files, walk.dirs);
  const samples = (list: LayoutSample[]): Sample[] => list.map((s) => ({ file: join(root, s.path), label: s.label }));
  const train = { classes: layout.classes, samples: samples(layout.train) };
  const test = layout.test ? { samples: samples(layout.test) } : undefined;

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
