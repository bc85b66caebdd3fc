/**
 * The page's data parsed in the worker: IDX files (datasetFromFiles), CIFAR-10's binary
 * batches (src/data/cifar.ts, as the CLI reads them), an image folder or a
 * zip of one (src/data/image-files.ts, the CLI's layout and assembly rules), or a CSV file
 * (src/data/csv.ts). Images are decoded by the browser's own decoders (createImageBitmap,
 * read back through an OffscreenCanvas), exactly as drawn: no colour management, no
 * premultiplied alpha. The Data section's size and channels (DataFiles.settings) apply to
 * image folders, zips and CSV files, as the CLI's --size and --channels do.
 */
/// <reference lib="webworker" />
import { datasetFromCifarFiles } from '../../src/data/cifar.ts';
import { parseImageCsv, type CsvSettingNames } from '../../src/data/csv.ts';
import { datasetFromFiles, type Dataset } from '../../src/data/dataset.ts';
import { datasetFromImageFiles, unzipFolder, type DecodeImage } from '../../src/data/image-files.ts';
import { canvasRgba } from '../shared/canvas-image.ts';
import type { DataFiles } from '../shared/worker-protocol.ts';
import type { ResizeRgba } from './network-input.ts';

/** One canvas for every image (resized when the size changes): drawing and reading back run without an await between them. */
let canvas: OffscreenCanvasRenderingContext2D | null = null;

/** Decodes with the browser's decoders; resizes (when `size` is given) as drawImage does, the page's one way (web/shared/canvas-image.ts). */
export const decodeInBrowser: DecodeImage = async (bytes, size) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const { width, height } = bitmap;
    canvas ??= new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!canvas) throw new Error('this browser has no 2D canvas in workers');
    const [rows, cols] = size ? [size.rows, size.cols] : [height, width];
    return { width: cols, height: rows, data: canvasRgba(canvas, bitmap, width, height, rows, cols) };
  } finally {
    bitmap.close();
  }
};

/** RGBA pixels resized on the same canvas as the data's images (the drawing pad's digit for a network of another size). */
export const resizeInBrowser: ResizeRgba = async (img, size) => {
  const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height));
  try {
    canvas ??= new OffscreenCanvas(size.cols, size.rows).getContext('2d', { willReadFrequently: true });
    if (!canvas) throw new Error('this browser has no 2D canvas in workers');
    return { width: size.cols, height: size.rows, data: canvasRgba(canvas, bitmap, img.width, img.height, size.rows, size.cols) };
  } finally {
    bitmap.close();
  }
};

/** How CSV errors name the page's settings (src/data/csv.ts): the Data section's, not the CLI's flags. */
const PAGE_SETTINGS: CsvSettingNames = { size: 'Image size', setSize: 'set Image size to', setColour: 'set Channels to colour' };

/** The data set in `data`; the first problem stops it, naming the file. */
export async function readData(data: DataFiles): Promise<Dataset> {
  const { name, source } = data;
  const settings = data.settings ?? {};
  switch (data.kind) {
    case 'idx':
      return datasetFromFiles(new Map(data.files), name, source);
    case 'cifar':
      return datasetFromCifarFiles(new Map(data.files), name, source);
    case 'csv': {
      const [[file, bytes]] = data.files;
      return { name, source, train: parseImageCsv(bytes, file, { ...settings, settings: PAGE_SETTINGS }), testFiles: 'a CSV file has none' };
    }
    case 'zip': {
      const [[file, bytes]] = data.files;
      const folder = await unzipFolder(bytes, file);
      // Errors name files inside the zip (`shapes.zip/cat/1.png`); the data set is named as the page named it.
      return { ...(await datasetFromImageFiles(folder, decodeInBrowser, folder.folder ? `${file}/${folder.folder}` : file, source, settings)), name };
    }
    case 'image-folder':
      return datasetFromImageFiles({ files: new Map(data.files), dirs: data.dirs ?? [] }, decodeInBrowser, name, source, settings);
  }
}
