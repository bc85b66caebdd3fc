// In-memory image classification data set (MNIST and other IDX sets with the same
// four standard file names), assembled from file bytes. Node and browser.

import { IdxError, parseIdx, type IdxTensor } from './idx.ts';

export interface Split {
  /**
   * count × channels × rows × cols bytes: each image channel-planar (C×H×W, PyTorch's
   * layout), each plane row-major (0 = background for MNIST).
   */
  images: Uint8Array;
  /** count labels, each below `classes`. */
  labels: Uint8Array;
  count: number;
  /** 1 (grayscale: IDX sets) or 3 (RGB: CIFAR-10, colour image folders and CSV files). */
  channels: number;
  rows: number;
  cols: number;
  classes: number;
}

export interface Dataset {
  name: string;
  /** Where the data came from (a folder, a URL), for logs and saved-model metadata. */
  source: string;
  train: Split;
  test?: Split;
  /** Why this is not the data asked for (offline, MNIST could not be downloaded), for the run's header. */
  fallback?: string;
  /** One name per class (label i is classNames[i]: Fashion-MNIST's T-shirt/top, …); absent: the labels' digits, "0", "1", … */
  classNames?: string[];
  /** What holds a test set in this kind of source, for the run's header; absent: "t10k files" (IDX). */
  testFiles?: string;
}

/** Bytes of one image: channels × rows × cols. */
export const imageBytes = (split: Pick<Split, 'channels' | 'rows' | 'cols'>): number => split.channels * split.rows * split.cols;

/** Class i's name: the data set's, else the digits of i. */
export const className = (names: readonly string[] | undefined, i: number): string => names?.[i] ?? String(i);

/**
 * The images as the engine reads them: channels last (H×W×C per image, spec.ts), from the
 * split's channel-planar C×H×W. The network's input shape decides: a spatial input of C > 1
 * channels is transposed; a flat input (`3072-…`) reads the planar bytes as PyTorch's
 * flatten does, and one channel is the same either way (the split's own array, no copy).
 */
export function channelsLast(images: Uint8Array, input: { channels: number; height: number; width: number }): Uint8Array {
  const { channels: C, height: H, width: W } = input;
  if (C === 1 || H * W === 1) return images;
  const P = C * H * W;
  const out = new Uint8Array(images.length);
  for (let base = 0; base + P <= images.length; base += P) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < H * W; p++) out[base + p * C + c] = images[base + c * H * W + p];
    }
  }
  return out;
}

/** Stems of the four standard IDX file names; each may also end in `.gz`. */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type IdxFileRole = keyof typeof IDX_FILE_NAMES;

const STANDARD_STEMS = new Map<string, IdxFileRole>(
  (Object.entries(IDX_FILE_NAMES) as [IdxFileRole, string][]).map(([role, stem]) => [stem, role]),
);

/**
 * Which standard file `fileName` is, if any. Accepts a path (only the last
 * component counts), an optional `.gz`, and the `train-images.idx3-ubyte` spelling
 * some mirrors use.
 */
export function idxFileRole(fileName: string): { role: IdxFileRole; gzip: boolean } | undefined {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const gzip = base.endsWith('.gz');
  const stem = (gzip ? base.slice(0, -3) : base).replace(/\.(idx[13]-ubyte)$/, '-$1');
  const role = STANDARD_STEMS.get(stem);
  return role ? { role, gzip } : undefined;
}

export function makeSplit(
  images: IdxTensor,
  labels: IdxTensor,
  imagesFile: string,
  labelsFile: string,
  classes = 10,
): Split {
  if (images.dtype !== 'u8' || images.shape.length !== 3) {
    throw new IdxError(
      imagesFile,
      `expected u8 images of shape [count, rows, cols], found ${images.dtype} of shape [${images.shape.join(', ')}]; is this an images file?`,
    );
  }
  if (labels.dtype !== 'u8' || labels.shape.length !== 1) {
    throw new IdxError(
      labelsFile,
      `expected u8 labels of shape [count], found ${labels.dtype} of shape [${labels.shape.join(', ')}]; is this a labels file?`,
    );
  }
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new IdxError(
      labelsFile,
      `has ${labels.shape[0]} labels but ${imagesFile} has ${count} images; the two files must come from the same set`,
    );
  }
  if (count === 0) throw new IdxError(imagesFile, `holds no samples (and ${labelsFile} no labels); use a non-empty data set`);
  const labelBytes = labels.data as Uint8Array;
  for (let i = 0; i < count; i++) {
    if (labelBytes[i] >= classes) {
      throw new IdxError(
        labelsFile,
        `label ${labelBytes[i]} at index ${i} is out of range; labels must be 0 to ${classes - 1} (is this a ${classes}-class data set?)`,
      );
    }
  }
  return { images: images.data as Uint8Array, labels: labelBytes, count, channels: 1, rows, cols, classes };
}

function checkCount(what: string, n: number, max: number, available: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new Error(`${what} must be a whole number from 0 to ${max} (${available}), got ${n}`);
  }
}

/** Samples [start, end) of `split`, sharing its memory. */
function slice(split: Split, start: number, end: number): Split {
  const pixels = imageBytes(split);
  return {
    ...split,
    images: split.images.subarray(start * pixels, end * pixels),
    labels: split.labels.subarray(start, end),
    count: end - start,
  };
}

/** Splits off the last `validation` samples as a validation set (no copying). */
export function holdOut(train: Split, validation: number): { train: Split; val: Split } {
  checkCount('the validation size', validation, train.count - 1, `the training set has ${train.count} samples and needs at least one left`);
  const cut = train.count - validation;
  return { train: slice(train, 0, cut), val: slice(train, cut, train.count) };
}

/** The first `count` samples of `split` (no copying). */
export function subset(split: Split, count: number): Split {
  checkCount('the sample count', count, split.count, `the set has ${split.count} samples`);
  return slice(split, 0, count);
}

/**
 * Builds a data set from a name → bytes map, e.g. files read from a folder or
 * dropped into a browser page. Training files are required; the t10k test pair is optional.
 * When both `X` and `X.gz` are present the `.gz` one is used.
 */
export function datasetFromFiles(files: Map<string, Uint8Array>, name: string, source: string): Dataset {
  const found = new Map<IdxFileRole, { file: string; gzip: boolean }>();
  for (const file of files.keys()) {
    const match = idxFileRole(file);
    if (!match) continue;
    const prev = found.get(match.role);
    if (!prev || (match.gzip && !prev.gzip)) found.set(match.role, { file, gzip: match.gzip });
  }

  const missingTrain = (['trainImages', 'trainLabels'] as const).filter((role) => !found.has(role));
  if (missingTrain.length > 0) {
    const present = [...files.keys()];
    throw new Error(
      `${source}: missing ${missingTrain.map((r) => `${IDX_FILE_NAMES[r]}(.gz)`).join(' and ')}. ` +
        `An IDX data set needs ${IDX_FILE_NAMES.trainImages}(.gz) and ${IDX_FILE_NAMES.trainLabels}(.gz), ` +
        `optionally with ${IDX_FILE_NAMES.testImages}(.gz) and ${IDX_FILE_NAMES.testLabels}(.gz); ` +
        `found ${present.length > 0 ? present.join(', ') : 'no files'}`,
    );
  }

  const load = (images: IdxFileRole, labels: IdxFileRole): Split => {
    const imagesFile = found.get(images)!.file;
    const labelsFile = found.get(labels)!.file;
    return makeSplit(
      parseIdx(files.get(imagesFile)!, imagesFile),
      parseIdx(files.get(labelsFile)!, labelsFile),
      imagesFile,
      labelsFile,
    );
  };

  const hasTestImages = found.has('testImages');
  if (hasTestImages !== found.has('testLabels')) {
    const [have, lack] = hasTestImages ? ['testImages', 'testLabels'] as const : ['testLabels', 'testImages'] as const;
    throw new Error(
      `${source}: found ${found.get(have)!.file} but not ${IDX_FILE_NAMES[lack]}(.gz); add the missing test file or remove both`,
    );
  }
  const dataset: Dataset = { name, source, train: load('trainImages', 'trainLabels') };
  if (hasTestImages) {
    const test = load('testImages', 'testLabels');
    if (test.rows !== dataset.train.rows || test.cols !== dataset.train.cols) {
      throw new IdxError(
        found.get('testImages')!.file,
        `test images are ${test.rows}x${test.cols} but the training images in ${found.get('trainImages')!.file} are ${dataset.train.rows}x${dataset.train.cols}; the files come from different data sets`,
      );
    }
    dataset.test = test;
  }
  return dataset;
}
