// Reads a data folder of whichever kind it is: CIFAR-10's binary batches, one EMNIST split's
// IDX files (transposed images), or the four standard IDX files (MNIST and its relatives).

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { cifarBatch, datasetFromCifarFiles } from './cifar.ts';
import { loadIdxDataset } from './dataset.node.ts';
import type { Dataset } from './dataset.ts';
import { datasetFromEmnistFiles, emnistFileRole, emnistSplitsIn } from './emnist.ts';

/** The files of `dir` (not hidden) that `keep` accepts, read into memory. */
async function readFiles(dir: string, entries: string[], keep: (name: string) => boolean): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    if (entry.startsWith('.') || !keep(entry)) continue;
    const path = join(dir, entry);
    let buf: Buffer;
    try {
      if (!(await stat(path)).isFile()) continue;
      buf = await readFile(path);
    } catch (e) {
      throw new Error(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`);
    }
    files.set(path, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
  return files;
}

/** Whether `dir` holds CIFAR-10's batches (or the folder they unpack to) or EMNIST files: loadDataFolder reads it. */
export async function holdsDataFiles(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.includes('cifar-10-batches-bin') || entries.some((e) => cifarBatch(e) !== undefined) || emnistSplitsIn(entries).length > 0;
}

/**
 * Loads the data set in `dir`. A folder holding cifar-10-batches-bin (as the archive unpacks)
 * is read from there. `emnistSplit` picks one split when the folder holds EMNIST files of several.
 */
export async function loadDataFolder(dir: string, emnistSplit?: string): Promise<Dataset> {
  const folder = resolve(dir);
  const entries = await readdir(folder).catch(() => null);
  // Anything unreadable or unrecognised is the IDX reader's to explain.
  if (!entries) return loadIdxDataset(folder);
  if (entries.includes('cifar-10-batches-bin') && !entries.some((e) => cifarBatch(e) !== undefined)) {
    return loadDataFolder(join(folder, 'cifar-10-batches-bin'));
  }
  if (entries.some((e) => cifarBatch(e) !== undefined)) {
    const files = await readFiles(folder, entries, (e) => cifarBatch(e) !== undefined || e === 'batches.meta.txt');
    return datasetFromCifarFiles(files, basename(folder), folder);
  }
  const splits = emnistSplitsIn(entries);
  if (splits.length > 0) {
    const split = emnistSplit ?? (splits.length === 1 ? splits[0] : undefined);
    if (split === undefined) {
      throw new Error(
        `${folder} holds the EMNIST splits ${splits.join(', ')}: name one with --data emnist-letters or --data emnist-digits, ` +
          `or pass a folder holding a single split's emnist-SPLIT-* files`,
      );
    }
    const files = await readFiles(folder, entries, (e) => emnistFileRole(e)?.split === split);
    return datasetFromEmnistFiles(files, split, basename(folder), folder);
  }
  return loadIdxDataset(folder);
}
