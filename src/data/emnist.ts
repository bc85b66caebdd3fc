// EMNIST (Cohen et al. 2017, https://www.nist.gov/itl/products-and-services/emnist-dataset):
// IDX files named `emnist-<split>-{train,test}-{images,labels}-idx{3,1}-ubyte.gz`, as in
// NIST's gzip.zip. Two things differ from MNIST: every image is stored transposed (column
// by column), so it is transposed back on reading, and the letters split numbers its 26
// classes 1–26, read here as 0–25. Node and browser.

import { makeSplit, type Dataset, type IdxFileRole, type Split } from './dataset.ts';
import { IdxError, parseIdx, type IdxTensor } from './idx.ts';

const DIGITS = [...'0123456789'];

/** Classes of each split, what its first label is, and the class names where they are one character each. */
const EMNIST_SPLITS: Record<string, { classes: number; firstLabel: number; names?: string[] }> = {
  balanced: { classes: 47, firstLabel: 0 },
  byclass: { classes: 62, firstLabel: 0 },
  bymerge: { classes: 47, firstLabel: 0 },
  digits: { classes: 10, firstLabel: 0, names: DIGITS },
  letters: { classes: 26, firstLabel: 1, names: [...'abcdefghijklmnopqrstuvwxyz'] },
  mnist: { classes: 10, firstLabel: 0, names: DIGITS },
};

/** Each file's name between `emnist-<split>-` and `-ubyte`. */
const STEMS: Record<IdxFileRole, string> = {
  trainImages: 'train-images-idx3',
  trainLabels: 'train-labels-idx1',
  testImages: 'test-images-idx3',
  testLabels: 'test-labels-idx1',
};

/** The EMNIST file name of one split's file, gzipped as in NIST's archive. */
export function emnistFileName(split: string, role: IdxFileRole): string {
  return `emnist-${split}-${STEMS[role]}-ubyte.gz`;
}

/** Which split and file an EMNIST file name (or path) is, if it is one. */
export function emnistFileRole(fileName: string): { split: string; role: IdxFileRole; gzip: boolean } | undefined {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const match = /^emnist-([a-z]+)-(.+)-ubyte(\.gz)?$/.exec(base);
  const role = match && (Object.keys(STEMS) as IdxFileRole[]).find((r) => STEMS[r] === match[2]);
  if (!match || !role || !(match[1] in EMNIST_SPLITS)) return undefined;
  return { split: match[1], role, gzip: match[3] !== undefined };
}

/** The images of an [count, width, height] tensor stored column by column, as [count, height, width] row by row. */
export function transposeImages(images: IdxTensor, file: string): IdxTensor {
  if (images.dtype !== 'u8' || images.shape.length !== 3) {
    throw new IdxError(file, `expected u8 images of shape [count, 28, 28], found ${images.dtype} of shape [${images.shape.join(', ')}]; is this an images file?`);
  }
  const [count, width, height] = images.shape;
  const src = images.data as Uint8Array;
  const out = new Uint8Array(src.length);
  const pixels = width * height;
  for (let i = 0; i < count; i++) {
    const base = i * pixels;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) out[base + r * width + c] = src[base + c * height + r];
    }
  }
  return { dtype: 'u8', shape: [count, height, width], data: out };
}

/** Labels counted from 0: the letters split's 1–26 become 0–25 (a copy; other splits are returned as they are). */
function labelsFromZero(labels: IdxTensor, split: string, file: string): IdxTensor {
  const { firstLabel, classes } = EMNIST_SPLITS[split];
  if (firstLabel === 0 || labels.dtype !== 'u8') return labels;
  const src = labels.data as Uint8Array;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    if (src[i] < firstLabel || src[i] >= firstLabel + classes) {
      throw new IdxError(file, `label ${src[i]} at index ${i} is out of range; EMNIST ${split} labels are ${firstLabel} to ${firstLabel + classes - 1}`);
    }
    out[i] = src[i] - firstLabel;
  }
  return { ...labels, data: out };
}

/**
 * Builds one EMNIST split from a name → bytes map holding its files (the training pair
 * required, the test pair optional; files of other splits are ignored).
 */
export function datasetFromEmnistFiles(files: Map<string, Uint8Array>, split: string, name: string, source: string): Dataset {
  const info = EMNIST_SPLITS[split];
  if (!info) throw new Error(`EMNIST has no split "${split}"; its splits are ${Object.keys(EMNIST_SPLITS).join(', ')}`);
  const found = new Map<IdxFileRole, string>();
  for (const file of files.keys()) {
    const match = emnistFileRole(file);
    if (match?.split === split && (!found.has(match.role) || match.gzip)) found.set(match.role, file);
  }
  for (const role of ['trainImages', 'trainLabels'] as const) {
    if (!found.has(role)) {
      throw new Error(`${source}: missing ${emnistFileName(split, role)} (or the same name without .gz); found ${[...files.keys()].join(', ') || 'no files'}`);
    }
  }
  if (found.has('testImages') !== found.has('testLabels')) {
    const lack = found.has('testImages') ? 'testLabels' : 'testImages';
    throw new Error(`${source}: found one EMNIST ${split} test file but not ${emnistFileName(split, lack)}; add it or remove the other`);
  }
  const load = (imagesRole: IdxFileRole, labelsRole: IdxFileRole): Split => {
    const imagesFile = found.get(imagesRole)!;
    const labelsFile = found.get(labelsRole)!;
    return makeSplit(
      transposeImages(parseIdx(files.get(imagesFile)!, imagesFile), imagesFile),
      labelsFromZero(parseIdx(files.get(labelsFile)!, labelsFile), split, labelsFile),
      imagesFile,
      labelsFile,
      info.classes,
    );
  };
  const dataset: Dataset = { name, source, train: load('trainImages', 'trainLabels') };
  if (found.has('testImages')) dataset.test = load('testImages', 'testLabels');
  if (info.names) dataset.classNames = [...info.names];
  return dataset;
}

/** The EMNIST splits whose files are among `fileNames`. */
export function emnistSplitsIn(fileNames: Iterable<string>): string[] {
  const splits = new Set<string>();
  for (const f of fileNames) {
    const match = emnistFileRole(f);
    if (match) splits.add(match.split);
  }
  return [...splits].sort();
}
