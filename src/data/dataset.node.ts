// Loads an IDX data set (MNIST, Fashion-MNIST, ...) from a folder on disk.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { datasetFromFiles, idxFileRole, IDX_FILE_NAMES, type Dataset, type IdxFileRole } from './dataset.ts';
import { IdxError } from './idx.ts';

const GET_DATA = 'run `wgtrain data mnist` to download MNIST, or pass --data DIR with a folder holding the IDX files (or --data PATH with a folder of images by class, DIR/<class>/*.png, or a CSV file)';

/**
 * Reads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte` and, when present,
 * the `t10k-*` pair from `dir`, each either raw or gzipped (`.gz` preferred when both exist).
 */
export async function loadIdxDataset(dir: string, name?: string): Promise<Dataset> {
  const folder = resolve(dir);
  let entries: string[];
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) {
      throw new Error(`${folder} is a file, not a folder: pass the folder that holds the IDX files (--data DIR)`);
    }
    entries = await readdir(folder);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${/\.csv$/i.test(folder) ? 'CSV file' : 'data folder'} ${folder} does not exist; ${GET_DATA}`);
    if (code === 'EACCES') throw new Error(`cannot read data folder ${folder}: permission denied`);
    throw e;
  }

  const chosen = new Map<IdxFileRole, { file: string; gzip: boolean }>();
  for (const entry of entries) {
    const match = idxFileRole(entry);
    if (!match) continue;
    const path = join(folder, entry);
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      throw new IdxError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is it a broken link?`);
    }
    if (!info.isFile()) {
      throw new IdxError(path, `is a ${info.isDirectory() ? 'directory' : 'special file'}, not an IDX file; remove or rename it and put the file itself there`);
    }
    const prev = chosen.get(match.role);
    if (!prev || (match.gzip && !prev.gzip)) chosen.set(match.role, { file: path, gzip: match.gzip });
  }

  const missing = (['trainImages', 'trainLabels'] as const).filter((role) => !chosen.has(role));
  if (missing.length > 0) {
    const idx = entries.filter((e) => !e.startsWith('.'));
    throw new Error(
      `${folder} has no ${missing.map((r) => `${IDX_FILE_NAMES[r]}(.gz)`).join(' or ')} ` +
        `(it holds ${idx.length > 0 ? idx.join(', ') : 'nothing'}); ${GET_DATA}`,
    );
  }

  const files = new Map<string, Uint8Array>();
  for (const { file } of chosen.values()) {
    // A plain Uint8Array view, so that `.slice()` on the resulting images copies as
    // it does in the browser (Buffer#slice shares memory).
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (e) {
      throw new IdxError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`);
    }
    files.set(file, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
  return datasetFromFiles(files, name ?? basename(folder), folder);
}
