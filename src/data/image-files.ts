// An image folder given as files in memory (the page's picked or dropped folder, or a zip
// of one) made into a data set: the layout rules of image-folder-layout.ts, the assembly
// rules of image-assembly.ts, and a decoder handed in (the browser's own in the page's
// worker). Nothing half-loaded: the first bad file stops the load with its path named.
// Node and browser.

import { unzipSync } from 'fflate';
import type { Dataset, Split } from './dataset.ts';
import { assembleSplit, commonChannels, commonSize, decodeChecked, eachInFlight, planesOf, type ImagePlanes, type ImageSize, type Rgba } from './image-assembly.ts';
import { commonFolder, imageFolderLayout, isImageFile, type LayoutSample } from './image-folder-layout.ts';

/** Decodes one image file to RGBA bytes (width × height × 4, row-major), resized to `size` when given. */
export type DecodeImage = (bytes: Uint8Array, size?: ImageSize) => Promise<Rgba>;

/** What the page's Data settings ask of an image folder: as the CLI's --size and --channels (image-folder.node.ts). */
export interface ImageFilesOptions {
  /** Resize every image to this; default: the size they all have (differing sizes are refused). */
  size?: ImageSize;
  /** Convert every image to this many channels; default: 3 when any image is in colour, else 1. */
  channels?: 1 | 3;
}

/** A folder's contents: image files by path, and every folder's path ('/'-separated, relative to the folder). */
export interface FolderFiles {
  files: Map<string, Uint8Array>;
  dirs: string[];
}

/** Images decoded at once: enough to keep the decoder busy. */
const IN_FLIGHT = 8;

/**
 * An image folder's files, below the one folder that may wrap them all (commonFolder):
 * `paths` are every file's path (non-images too, so that their folders count), `read`
 * gives an image's bytes. Returns the files by path below that folder, and its name.
 */
export async function unwrapFolder(
  paths: readonly string[], dirs: readonly string[], read: (path: string) => Promise<Uint8Array> | Uint8Array,
): Promise<FolderFiles & { folder: string }> {
  const folder = commonFolder([...paths, ...dirs.map((d) => `${d}/`)]);
  const below = (p: string) => (folder === '' ? p : p.startsWith(`${folder}/`) ? p.slice(folder.length + 1) : null);
  const files = new Map<string, Uint8Array>();
  const allDirs = new Set<string>();
  const addParents = (p: string) => {
    for (let cut = p.lastIndexOf('/'); cut > 0; cut = p.lastIndexOf('/', cut - 1)) allDirs.add(p.slice(0, cut));
  };
  for (const p of paths) {
    const rel = below(p);
    if (rel === null || rel === '') continue;
    addParents(rel);
    if (isImageFile(rel)) files.set(rel, await read(p));
  }
  for (const d of dirs) {
    const rel = below(d);
    if (rel) {
      allDirs.add(rel);
      addParents(rel);
    }
  }
  return { folder, files, dirs: [...allDirs] };
}

/** A zip of an image folder (`<class>/<n>.png`, or one folder holding that), unzipped. `name`: the zip's, for errors. */
export async function unzipFolder(bytes: Uint8Array, name: string): Promise<FolderFiles & { folder: string }> {
  const slashes = (p: string) => p.replace(/\\/g, '/');
  const paths: string[] = [];
  const dirs: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    // Every entry's name counts (a folder of other files is still a class folder); only images are inflated.
    entries = unzipSync(bytes, {
      filter: (f) => {
        const path = slashes(f.name);
        if (path.endsWith('/')) dirs.push(path.slice(0, -1));
        else paths.push(path);
        return isImageFile(path);
      },
    });
  } catch (e) {
    throw new Error(`${name} is not a zip file that can be read (${(e as Error).message}); zip the image folder again`);
  }
  const byPath = new Map(Object.entries(entries).map(([p, b]) => [slashes(p), b]));
  return unwrapFolder(paths, dirs, (p) => byPath.get(p)!);
}

/** Decodes every sample's image (IN_FLIGHT at a time), stopping at the first failure with the file named as `root`/path. */
async function decodeAll(
  samples: readonly LayoutSample[], files: Map<string, Uint8Array>, decode: DecodeImage, root: string, size?: ImageSize,
): Promise<{ planes: ImagePlanes[]; found: { file: string; rows: number; cols: number }[] }> {
  const planes = new Array<ImagePlanes>(samples.length);
  const found = new Array<{ file: string; rows: number; cols: number }>(samples.length);
  await eachInFlight(samples.length, IN_FLIGHT, async (i) => {
    const file = `${root}/${samples[i].path}`;
    const img = await decodeChecked(file, () => decode(files.get(samples[i].path)!, size));
    if (size && (img.height !== size.rows || img.width !== size.cols)) {
      throw new Error(`${file}: the decoder gave ${img.height}x${img.width} pixels where ${size.rows}x${size.cols} were asked for`);
    }
    found[i] = { file, rows: img.height, cols: img.width };
    planes[i] = planesOf(img.data, img.height, img.width);
  });
  return { planes, found };
}

/** What the page says to do about images of differing sizes: its Image size setting, the CLI's --size. */
const resizeAdvice = (top: ImageSize) =>
  `set Image size to ${top.rows}x${top.cols} (or another size) in the page's Data section to resize every image to it`;

/**
 * A data set from an image folder's files (paths relative to the folder, `root` naming it
 * in errors and as the data set's name). Size and channels as found (3 when any image is in
 * colour), or as `opts` asks: the decoder resizes, and channels convert as the CLI's do.
 */
export async function datasetFromImageFiles(
  folder: FolderFiles, decode: DecodeImage, root: string, source: string, opts: ImageFilesOptions = {},
): Promise<Dataset> {
  const layout = imageFolderLayout(root, [...folder.files.keys()], folder.dirs);
  const train = await decodeAll(layout.train, folder.files, decode, root, opts.size);
  const test = layout.test ? await decodeAll(layout.test, folder.files, decode, root, opts.size) : undefined;
  commonSize([...train.found, ...(test?.found ?? [])], opts.size, resizeAdvice);
  const channels = commonChannels([...train.planes, ...(test?.planes ?? [])], opts.channels);
  const classes = layout.classes.length;
  const build = (planes: ImagePlanes[], samples: LayoutSample[]): Split => assembleSplit(planes, Uint8Array.from(samples, (s) => s.label), channels, classes);
  const dataset: Dataset = { name: root, source, train: build(train.planes, layout.train), classNames: layout.classes, testFiles: 'test/ folder' };
  if (test && layout.test) dataset.test = build(test.planes, layout.test);
  return dataset;
}
