// Decides which data set a CLI run trains on: the data set the user named (catalog.ts), or
// the folder or file the user named (a folder of IDX files, CIFAR-10's batches or an EMNIST
// split, a folder of images by class, or a CSV file); else MNIST in the project's data/
// folder (downloaded when missing), or, offline, the Fashion-MNIST copy a Debian package may
// have installed.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCsvDataset } from './csv.node.ts';
import { loadIdxDataset } from './dataset.node.ts';
import { idxFileRole, type Dataset } from './dataset.ts';
import { catalogEntry } from './catalog.ts';
import type { ImageSize } from './image-assembly.ts';
import { downloadDataset, MNIST_FILES, MNIST_MIRRORS, type DownloadOptions } from './download.node.ts';
import { holdsDataFiles, loadDataFolder } from './folder.node.ts';
import { loadNamedDataset } from './named.node.ts';

/** Where the Debian package dataset-fashion-mnist puts the four standard `.gz` files. */
const DEFAULT_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export interface ResolveOptions {
  /**
   * `--data`: a named data set (`fashion-mnist`, see catalog.ts), kept in data/NAME and downloaded when missing,
   * or a path, from which nothing is downloaded: a folder of IDX files, CIFAR-10's batches or an EMNIST split, a
   * folder of images by class, or a CSV file. A folder that has a data set's name is given as a path (`./cifar10`).
   */
  data?: string;
  /** `--channels`: the images' channels (image folders, CSV files). */
  channels?: 1 | 3;
  /** `--size`: the images' size (image folders, CSV files). */
  size?: ImageSize;
  projectRoot: string;
  log: (msg: string) => void;
  download?: typeof downloadDataset;
  /** Passed to the downloader, e.g. to drive a progress bar. */
  onProgress?: DownloadOptions['onProgress'];
  onFileDone?: DownloadOptions['onFileDone'];
  mirrors?: readonly string[];
  /** Where the Fashion-MNIST package is installed (default that of Debian's dataset-fashion-mnist). */
  fashionDir?: string;
}

export async function resolveDataset(opts: ResolveOptions): Promise<Dataset> {
  if (opts.data !== undefined) {
    const entry = catalogEntry(opts.data);
    if (entry) {
      if (opts.channels !== undefined || opts.size !== undefined) throw new Error(`--channels and --size apply to --data PATH, an image folder or a CSV file`);
      const systemDirs = entry.name === 'fashion-mnist' && opts.fashionDir !== undefined ? [opts.fashionDir] : undefined;
      return loadNamedDataset(entry, { ...opts, systemDirs });
    }
    return loadDataPath(opts.data, opts);
  }
  if (opts.channels !== undefined || opts.size !== undefined) throw new Error(`--channels and --size apply to --data PATH, an image folder or a CSV file`);

  const dir = join(opts.projectRoot, 'data', 'mnist');
  const download = opts.download ?? downloadDataset;
  try {
    const { downloaded } = await download(dir, MNIST_FILES, {
      mirrors: opts.mirrors ?? MNIST_MIRRORS,
      onProgress: opts.onProgress,
      onFileDone: opts.onFileDone,
      log: opts.log,
    });
    if (downloaded.length > 0) opts.log(`downloaded ${downloaded.join(', ')} into ${dir}`);
  } catch (e) {
    return fallBack(e, dir, opts);
  }
  return loadIdxDataset(dir, 'mnist');
}

/** Said once: in the log when falling back (with the fix), and on the dataset for the run's header; not at all when throwing. */
async function fallBack(error: unknown, mnistDir: string, opts: ResolveOptions): Promise<Dataset> {
  const reason = (error as Error).message;
  // The training pair is fetched first; with it in place only the test set is lacking.
  if (await hasTrainingFiles(mnistDir)) {
    opts.log(`MNIST's test set could not be downloaded (${reason}): using the MNIST training set already in ${mnistDir}, without a test set`);
    return { ...(await loadIdxDataset(mnistDir, 'mnist')), fallback: `MNIST without its test set, which could not be downloaded: ${reason}` };
  }
  const fashionDir = opts.fashionDir ?? DEFAULT_FASHION_DIR;
  if (await hasTrainingFiles(fashionDir)) {
    opts.log(
      `MNIST could not be downloaded (${reason}): falling back to Fashion-MNIST from ${fashionDir} (clothing images, not digits); ` +
        `to train on MNIST, pass --data DIR with a folder holding the MNIST IDX files`,
    );
    return {
      ...(await loadIdxDataset(fashionDir, 'fashion-mnist')),
      fallback: `Fashion-MNIST (clothing, not digits) because MNIST could not be downloaded: ${reason}`,
    };
  }
  throw error;
}

async function hasTrainingFiles(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return false;
  }
  const roles = new Set<string>();
  for (const entry of entries) {
    const match = idxFileRole(entry);
    if (match && (await isFile(join(dir, entry)))) roles.add(match.role);
  }
  return roles.has('trainImages') && roles.has('trainLabels');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The data set at `path`: a CSV file, a folder of IDX files, or a folder of images by class (told apart by what they hold). */
export async function loadDataPath(path: string, opts: { channels?: 1 | 3; size?: ImageSize } = {}): Promise<Dataset> {
  const info = await stat(path).catch(() => null);
  if (info?.isFile()) {
    if (!/\.csv$/i.test(path)) {
      throw new Error(`${path} is a file, not a folder or a .csv file: pass a folder of IDX files, a folder of images by class (DIR/<class>/*.png) or a CSV file of labels and pixels`);
    }
    return loadCsvDataset(path, opts);
  }
  // Any entry named as an IDX file makes an IDX folder, even a broken one (a folder where a file
  // should be): its reader says what is wrong, where the image-folder reader would not.
  const known = info?.isDirectory() && ((await hasIdxNames(path)) || (await holdsDataFiles(path)));
  if (known) {
    if (opts.channels !== undefined || opts.size !== undefined) {
      throw new Error(`--channels and --size apply to image folders and CSV files; ${path} is a folder of data files (IDX, EMNIST or CIFAR-10), whose images keep their channels and size`);
    }
  } else if (info?.isDirectory() && (await hasSubfolders(path))) {
    // Imported here: the image decoders (jimp, libwebp) load only for runs that read images.
    const { loadImageFolder } = await import('./image-folder.node.ts');
    return loadImageFolder(path, opts);
  }
  return loadDataFolder(path);
}

async function hasIdxNames(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [] as string[])).some((e) => idxFileRole(e) !== undefined);
}

/** Whether `dir` looks like an image folder: it holds sub-folders (IDX folders hold files). */
async function hasSubfolders(dir: string): Promise<boolean> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) return true;
    if (e.isSymbolicLink() && (await stat(join(dir, e.name)).catch(() => null))?.isDirectory()) return true;
  }
  return false;
}
