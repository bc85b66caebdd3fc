// Reader for CIFAR-10's binary batches (https://www.cs.toronto.edu/~kriz/cifar.html):
// each record is one label byte (0–9) then 3072 pixel bytes, the 1024 red values of the
// 32×32 image row by row, then the green, then the blue; data_batch_1.bin … data_batch_5.bin
// hold 10,000 records each for training and test_batch.bin 10,000 for testing.
// The pixel layout is already the Split's channel-planar C×H×W. Node and browser.

import type { Dataset, Split } from './dataset.ts';

const CIFAR_CHANNELS = 3;
const CIFAR_SIDE = 32;
const PIXELS = CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD_BYTES = 1 + PIXELS;
const CIFAR_CLASSES = 10;

class CifarError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'CifarError';
    this.file = file;
  }
}

/** Which batch a file name (or path) is: a training batch's number, `test`, or nothing. */
export function cifarBatch(fileName: string): number | 'test' | undefined {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  if (base === 'test_batch.bin') return 'test';
  const match = /^data_batch_(\d+)\.bin$/.exec(base);
  return match ? Number(match[1]) : undefined;
}

/** Parses the records of one or more batch files, in the order given, into one split. */
export function cifarSplit(batches: readonly { file: string; bytes: Uint8Array }[]): Split {
  let count = 0;
  for (const { file, bytes } of batches) {
    if (bytes.length === 0) throw new CifarError(file, 'is empty; delete it and download CIFAR-10 again');
    if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
      throw new CifarError(
        file,
        `holds ${bytes.length} bytes, not a whole number of ${CIFAR_RECORD_BYTES}-byte records (1 label byte + 3×32×32 pixels): ` +
          `it is truncated or not a CIFAR-10 binary batch (CIFAR-100's batches have 2 label bytes); delete it and download again`,
      );
    }
    count += bytes.length / CIFAR_RECORD_BYTES;
  }
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const { file, bytes } of batches) {
    for (let at = 0; at < bytes.length; at += CIFAR_RECORD_BYTES, n++) {
      const label = bytes[at];
      if (label >= CIFAR_CLASSES) {
        throw new CifarError(
          file,
          `record ${at / CIFAR_RECORD_BYTES} has label ${label}; CIFAR-10's labels are 0 to 9 (is this a CIFAR-100 batch, or damaged?)`,
        );
      }
      labels[n] = label;
      images.set(bytes.subarray(at + 1, at + CIFAR_RECORD_BYTES), n * PIXELS);
    }
  }
  return { images, labels, count, channels: CIFAR_CHANNELS, rows: CIFAR_SIDE, cols: CIFAR_SIDE, classes: CIFAR_CLASSES };
}

/** The class names of `batches.meta.txt` (one per line, blank lines ignored), if it names all ten. */
function metaClassNames(bytes: Uint8Array | undefined): string[] | undefined {
  if (!bytes) return undefined;
  const names = new TextDecoder().decode(bytes).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return names.length === CIFAR_CLASSES ? names : undefined;
}

/**
 * Builds CIFAR-10 from a name → bytes map: the training batches present (data_batch_N.bin,
 * in order of N) and, when present, test_batch.bin; class names from batches.meta.txt.
 */
export function datasetFromCifarFiles(files: Map<string, Uint8Array>, name: string, source: string): Dataset {
  const training: { n: number; file: string }[] = [];
  let testFile: string | undefined;
  let metaFile: string | undefined;
  for (const file of files.keys()) {
    const batch = cifarBatch(file);
    if (batch === 'test') testFile = file;
    else if (batch !== undefined) training.push({ n: batch, file });
    else if (file.endsWith('batches.meta.txt')) metaFile = file;
  }
  if (training.length === 0) {
    throw new Error(
      `${source}: no CIFAR-10 training batch (data_batch_1.bin … data_batch_5.bin); found ${[...files.keys()].join(', ') || 'no files'}. ` +
        'Run `wgtrain data cifar10` to download CIFAR-10, or pass --data DIR with the folder cifar-10-binary.tar.gz unpacks to (cifar-10-batches-bin)',
    );
  }
  training.sort((a, b) => a.n - b.n);
  const read = (file: string) => ({ file, bytes: files.get(file)! });
  const dataset: Dataset = { name, source, train: cifarSplit(training.map((t) => read(t.file))) };
  if (testFile !== undefined) dataset.test = cifarSplit([read(testFile)]);
  const classNames = metaClassNames(metaFile === undefined ? undefined : files.get(metaFile));
  if (classNames) dataset.classNames = classNames;
  return dataset;
}
