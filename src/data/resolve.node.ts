// Decides which data set a CLI run trains on: the folder the user named, or MNIST
// in the project's data/ folder (downloaded when missing), or, offline, the
// Fashion-MNIST copy a Debian package may have installed.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadIdxDataset } from './dataset.node.ts';
import { idxFileRole, type Dataset } from './dataset.ts';
import { downloadDataset, MNIST_FILES, MNIST_MIRRORS, type DownloadOptions } from './download.node.ts';

/** Where the Debian package dataset-fashion-mnist puts the four standard `.gz` files. */
const DEFAULT_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export interface ResolveOptions {
  /** A folder with IDX files (`--data DIR`); when given nothing is downloaded. */
  data?: string;
  projectRoot: string;
  log: (msg: string) => void;
  download?: typeof downloadDataset;
  /** Passed to the downloader, e.g. to drive a progress bar. */
  onProgress?: DownloadOptions['onProgress'];
  onFileDone?: DownloadOptions['onFileDone'];
  mirrors?: readonly string[];
  fashionDir?: string;
}

export async function resolveDataset(opts: ResolveOptions): Promise<Dataset> {
  if (opts.data !== undefined) return loadIdxDataset(opts.data);

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
