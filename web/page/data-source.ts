/**
 * Where the page's data comes from: MNIST served next to the page in data/mnist/ (the dev
 * server and the built site list it in data/mnist/files.json), or what the user picks or
 * drops: IDX files, CIFAR-10's binary batches (loose or in their folder), a folder of images
 * by class, a zip of one, or a CSV file. Only bytes are gathered here; the worker parses and
 * decodes them (web/worker/read-data.ts).
 */
import { cifarBatch } from '../../src/data/cifar.ts';
import { IDX_FILE_NAMES, idxFileRole } from '../../src/data/dataset.ts';
import { unwrapFolder } from '../../src/data/image-files.ts';
import type { DataFiles } from '../shared/worker-protocol.ts';
import type { Picked } from './file-drop.ts';

/** Relative to the page, so the site works from any folder. */
export const SERVED_DATA_PATH = 'data/mnist/';
/** The listing the dev server serves and the build writes: { files: [{ name, size }] }. */
export const DATA_LISTING = 'files.json';

export type FetchProgress = (file: string, loaded: number, total: number | null) => void;

async function fetchBytes(url: URL, onProgress: (loaded: number, total: number | null) => void): Promise<Uint8Array | null> {
  const response = await fetch(url);
  if (!response.ok || (response.headers.get('Content-Type') ?? '').startsWith('text/html')) return null;
  const length = Number(response.headers.get('Content-Length')) || null;
  if (!response.body || length === null) return new Uint8Array(await response.arrayBuffer());
  const bytes = new Uint8Array(length);
  const reader = response.body.getReader();
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes.set(value, loaded);
    loaded += value.length;
    onProgress(loaded, length);
  }
  return bytes.subarray(0, loaded);
}

/** The served files' names: from the listing, else the standard names that exist (raw or .gz). */
async function servedNames(base: URL): Promise<string[]> {
  const listing = await fetch(new URL(DATA_LISTING, base));
  if (listing.ok && (listing.headers.get('Content-Type') ?? '').includes('json')) {
    const { files } = (await listing.json()) as { files: { name: string }[] };
    return files.map((f) => f.name).filter((name) => idxFileRole(name));
  }
  const names: string[] = [];
  for (const stem of Object.values(IDX_FILE_NAMES)) {
    for (const name of [`${stem}.gz`, stem]) {
      const head = await fetch(new URL(name, base), { method: 'HEAD' });
      if (head.ok && !(head.headers.get('Content-Type') ?? '').startsWith('text/html')) {
        names.push(name);
        break;
      }
    }
  }
  return names;
}

/** MNIST from data/mnist/ next to the page, or null when the site has no training files there. */
export async function fetchServedMnist(pageUrl: string, onProgress: FetchProgress): Promise<DataFiles | null> {
  const base = new URL(SERVED_DATA_PATH, pageUrl);
  const names = await servedNames(base);
  const roles = new Set(names.map((n) => idxFileRole(n)!.role));
  if (!roles.has('trainImages') || !roles.has('trainLabels')) return null;
  const files = new Map<string, Uint8Array>();
  for (const name of names) {
    const bytes = await fetchBytes(new URL(name, base), (loaded, total) => onProgress(name, loaded, total));
    if (!bytes) throw new Error(`${new URL(name, base)} is listed but could not be downloaded; reload the page to try again.`);
    files.set(name, bytes);
  }
  return { kind: 'idx', files: [...files], name: 'mnist', source: base.pathname };
}

const bytesOf = async (f: File) => new Uint8Array(await f.arrayBuffer());
const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * CIFAR-10's binary batches among the picked files (loose, or in the folder the archive
 * unpacks to), with batches.meta.txt for the class names; null when there is no batch.
 * As the CLI reads a folder (src/data/folder.node.ts): any batch makes it CIFAR-10.
 */
async function readCifarFiles(picked: Picked): Promise<DataFiles | null> {
  const batches = picked.files.filter((f) => cifarBatch(f.path) !== undefined);
  if (batches.length === 0) return null;
  if (!batches.some((f) => typeof cifarBatch(f.path) === 'number')) {
    throw new Error(
      `${batches.map((f) => baseName(f.path)).join(', ')} is CIFAR-10's test batch alone: pick or drop the training batches ` +
        '(data_batch_1.bin … data_batch_5.bin) with it, or the whole cifar-10-batches-bin folder',
    );
  }
  const meta = picked.files.find((f) => baseName(f.path) === 'batches.meta.txt');
  const read: [string, Uint8Array][] = [];
  for (const f of [...batches, ...(meta ? [meta] : [])]) read.push([baseName(f.path), await bytesOf(f.file)]);
  const names = batches.map((f) => baseName(f.path)).sort();
  const folder = batches[0].path.includes('/') ? `your folder ${batches[0].path.split('/').slice(-2, -1)[0]}: ` : 'your ';
  return { kind: 'cifar', files: read, name: 'cifar-10', source: `${folder}CIFAR-10 batches (${names.join(', ')})` };
}

/**
 * The data among what the user picked or dropped, or null when there is none: CIFAR-10's
 * batches (loose or in a folder), else files in a folder are an image folder (`<class>/*.png`,
 * or `train/` and `test/`), else a `.zip` of one, a `.csv` file, or IDX files (other files are
 * left for the caller).
 */
export async function readDataFiles(picked: Picked): Promise<DataFiles | null> {
  const cifar = await readCifarFiles(picked);
  if (cifar) return cifar;
  if (picked.files.some((f) => f.path.includes('/'))) {
    const byPath = new Map(picked.files.map((f) => [f.path, f.file]));
    const folder = await unwrapFolder([...byPath.keys()], picked.dirs, (p) => bytesOf(byPath.get(p)!));
    const name = folder.folder || 'your folder';
    return {
      kind: 'image-folder', files: [...folder.files], dirs: folder.dirs, name,
      source: `your folder ${name} (${plural(folder.files.size, 'image')})`,
    };
  }
  const files = picked.files.map((f) => f.file);
  const zip = files.find((f) => /\.zip$/i.test(f.name));
  if (zip) return { kind: 'zip', files: [[zip.name, await bytesOf(zip)]], name: zip.name.replace(/\.zip$/i, ''), source: `your zip ${zip.name}` };
  const csv = files.find((f) => /\.csv$/i.test(f.name));
  if (csv) return { kind: 'csv', files: [[csv.name, await bytesOf(csv)]], name: csv.name.replace(/\.csv$/i, ''), source: `your CSV file ${csv.name}` };
  const idx = files.filter((f) => idxFileRole(f.name));
  if (idx.length === 0) return null;
  const read: [string, Uint8Array][] = [];
  for (const f of idx) read.push([f.name, await bytesOf(f)]);
  return { kind: 'idx', files: read, name: 'idx files', source: `your files (${idx.map((f) => f.name).join(', ')})` };
}
