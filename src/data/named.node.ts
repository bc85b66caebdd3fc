// The named data sets on disk: each kept under data/<cacheDir>/ in the project, downloaded
// (checksummed, atomically) when missing, archives unpacked next to them; Fashion-MNIST
// also found where Debian's dataset-fashion-mnist installs it.

import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { x as untar } from 'tar';
import { isRunning } from '../util/atomic-file.node.ts';
import { cifarBatch } from './cifar.ts';
import type { CatalogEntry } from './catalog.ts';
import type { Dataset, IdxFileRole } from './dataset.ts';
import { downloadDataset, type DownloadOptions } from './download.node.ts';
import { emnistFileName } from './emnist.ts';
import { loadDataFolder } from './folder.node.ts';

export interface NamedOptions {
  /** The project's root; data sets are kept in its data/ folder. */
  projectRoot: string;
  /** Keep the data set here instead of data/<cacheDir> (`wgtrain data NAME --dir DIR`). */
  dir?: string;
  /** Download from these base URLs instead of the catalog's mirrors. */
  mirrors?: readonly string[];
  log: (msg: string) => void;
  onProgress?: DownloadOptions['onProgress'];
  onFileDone?: DownloadOptions['onFileDone'];
  download?: typeof downloadDataset;
  /** Folders to look in for a system package's copy instead of the catalog's (tests). */
  systemDirs?: readonly string[];
}

export interface Fetched {
  /** The folder the data set is read from. */
  dir: string;
  downloaded: string[];
  cached: string[];
}

const CIFAR_BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const CIFAR_FOLDER = 'cifar-10-batches-bin';
const EMNIST_ROLES: IdxFileRole[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

export function cacheDirOf(entry: CatalogEntry, opts: Pick<NamedOptions, 'projectRoot' | 'dir'>): string {
  return opts.dir ?? join(opts.projectRoot, 'data', entry.cacheDir);
}

/** The folder the data set is read from, and the files that must be there for it to be complete. */
function unpacked(entry: CatalogEntry, cacheDir: string): { dir: string; files: string[] } {
  switch (entry.format) {
    case 'idx':
      return { dir: cacheDir, files: entry.files.map((f) => f.name) };
    case 'emnist':
      return { dir: join(cacheDir, entry.emnistSplit!), files: EMNIST_ROLES.map((r) => emnistFileName(entry.emnistSplit!, r)) };
    case 'cifar10':
      return { dir: join(cacheDir, CIFAR_FOLDER), files: CIFAR_BATCHES };
  }
}

async function hasAll(dir: string, files: readonly string[]): Promise<boolean> {
  for (const f of files) {
    const info = await stat(join(dir, f)).catch(() => null);
    if (!info?.isFile()) return false;
  }
  return true;
}

function advice(entry: CatalogEntry, cacheDir: string): string {
  const names = entry.files.map((f) => f.name).join(', ');
  const unpack =
    entry.format === 'idx'
      ? 'pass --data DIR with a folder holding them'
      : `unpack it and pass --data DIR with the folder holding ${entry.format === 'cifar10' ? 'data_batch_1.bin … test_batch.bin' : `the emnist-${entry.emnistSplit}-* files`}`;
  return `To use ${entry.name} without downloading, put ${names} into ${cacheDir} by some other means (checked against ${entry.checksumSource.split(':')[0]} on the next run), or ${unpack}.`;
}

/**
 * Downloads (or verifies the cached copy of) the data set's files and unpacks its archive,
 * so that `dir` holds it. An archive already unpacked is not checked again.
 */
export async function fetchNamedDataset(entry: CatalogEntry, opts: NamedOptions): Promise<Fetched> {
  const cacheDir = cacheDirOf(entry, opts);
  const target = unpacked(entry, cacheDir);
  if (entry.format !== 'idx' && (await hasAll(target.dir, target.files))) {
    return { dir: target.dir, downloaded: [], cached: target.files };
  }
  const { downloaded, cached } = await (opts.download ?? downloadDataset)(cacheDir, entry.files, {
    mirrors: opts.mirrors ?? entry.mirrors,
    onProgress: opts.onProgress,
    onFileDone: opts.onFileDone,
    log: opts.log,
    deadlineMs: entry.deadlineMs,
    advice: advice(entry, cacheDir),
  });
  const archive = join(cacheDir, entry.files[0].name);
  if (entry.format === 'cifar10') await unpackCifar(archive, cacheDir, opts.log);
  if (entry.format === 'emnist') await unpackEmnist(archive, target.dir, target.files, opts.log);
  return { dir: target.dir, downloaded, cached };
}

/** The first of the folders a system package installs the data set in that holds its training files. */
export async function systemCopy(entry: CatalogEntry, dirs = entry.systemDirs): Promise<string | undefined> {
  for (const dir of dirs ?? []) {
    if (await hasAll(dir, entry.files.slice(0, 2).map((f) => f.name))) return dir;
  }
  return undefined;
}

/**
 * The named data set: the downloaded copy when it is complete, else a system package's copy
 * (Fashion-MNIST from Debian's dataset-fashion-mnist), else downloaded now.
 */
export async function loadNamedDataset(entry: CatalogEntry, opts: NamedOptions): Promise<Dataset> {
  const cacheDir = cacheDirOf(entry, opts);
  const target = unpacked(entry, cacheDir);
  const installed = (await hasAll(target.dir, target.files)) ? undefined : await systemCopy(entry, opts.systemDirs);
  if (installed !== undefined) opts.log(`${entry.title} from ${installed} (installed by a system package; not downloaded into ${cacheDir})`);
  const fetched = installed !== undefined ? { dir: installed, downloaded: [] } : await fetchNamedDataset(entry, opts);
  if (fetched.downloaded.length > 0) opts.log(`downloaded ${fetched.downloaded.join(', ')} into ${cacheDir}`);
  const dataset = await loadDataFolder(fetched.dir, entry.emnistSplit);
  return { ...dataset, name: entry.name, classNames: [...entry.classNames] };
}

/**
 * A fresh temporary folder inside `dir`, removed by the caller; those of unpacks whose
 * process is gone (killed before it could clean up) are removed first.
 */
async function tempDir(dir: string, log: (msg: string) => void): Promise<string> {
  for (const entry of await readdir(dir)) {
    const match = /^\.unpack-(\d+)$/.exec(entry);
    if (!match || (Number(match[1]) !== process.pid && isRunning(Number(match[1])))) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
    if (Number(match[1]) !== process.pid) log(`removed ${join(dir, entry)}, left behind by an interrupted unpack`);
  }
  const temp = join(dir, `.unpack-${process.pid}`);
  await mkdir(temp);
  return temp;
}

/** Unpacks the binary batches of cifar-10-binary.tar.gz into <cacheDir>/cifar-10-batches-bin, which appears whole or not at all. */
async function unpackCifar(archive: string, cacheDir: string, log: (msg: string) => void): Promise<void> {
  const temp = await tempDir(cacheDir, log);
  try {
    try {
      await untar({ file: archive, cwd: temp, strict: true, filter: (path) => cifarBatch(path) !== undefined || basename(path) === 'batches.meta.txt' });
    } catch (e) {
      throw new Error(`cannot unpack ${archive}: ${(e as Error).message}; delete it and download CIFAR-10 again`);
    }
    const unpackedDir = join(temp, CIFAR_FOLDER);
    const missing: string[] = [];
    for (const f of CIFAR_BATCHES) if (!(await hasAll(unpackedDir, [f]))) missing.push(f);
    if (missing.length > 0) {
      throw new Error(`${archive} holds no ${CIFAR_FOLDER}/${missing.join(', ')}: it is not CIFAR-10's binary archive; delete it and download again`);
    }
    const target = join(cacheDir, CIFAR_FOLDER);
    await rm(target, { recursive: true, force: true });
    await rename(unpackedDir, target);
    log(`unpacked ${archive} into ${target}`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Unpacks one EMNIST split's four files from NIST's gzip.zip into `dir`, each written whole under a temporary name first. */
async function unpackEmnist(archive: string, dir: string, files: readonly string[], log: (msg: string) => void): Promise<void> {
  const wanted = new Set(files);
  let members: Record<string, Uint8Array>;
  try {
    // The archive holds every split (536 MiB); only these four members are inflated.
    members = unzipSync(await readFile(archive), { filter: (f) => wanted.has(basename(f.name)) });
  } catch (e) {
    throw new Error(`cannot unpack ${archive}: ${(e as Error).message}; delete it and download EMNIST again`);
  }
  const byName = new Map(Object.entries(members).map(([path, bytes]) => [basename(path), bytes]));
  const missing = files.filter((f) => !byName.has(f));
  if (missing.length > 0) throw new Error(`${archive} holds no ${missing.join(', ')}: it is not NIST's EMNIST gzip.zip; delete it and download again`);
  await mkdir(dir, { recursive: true });
  const temp = await tempDir(dir, log);
  try {
    for (const f of files) {
      await writeFile(join(temp, f), byName.get(f)!);
      await rename(join(temp, f), join(dir, f));
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  log(`unpacked ${files.join(', ')} from ${archive} into ${dir}`);
}
