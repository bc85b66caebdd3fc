// Reads an image CSV file (csv.ts) from disk as a stream of chunks.

import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CsvImageParser, type CsvImageOptions } from './csv.ts';
import type { Dataset } from './dataset.ts';

/** A data set of one CSV file: its rows are the training set (a CSV has no test set here). */
export async function loadCsvDataset(path: string, opts: CsvImageOptions = {}): Promise<Dataset> {
  const file = resolve(path);
  const parser = new CsvImageParser(file);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) parser.push(chunk as Buffer);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new Error(`${file} cannot be read (${code}); check that it exists and is readable`);
    throw e;
  }
  return { name: basename(file).replace(/\.csv$/i, ''), source: file, train: parser.finish(opts), testFiles: 'a CSV file has none' };
}
