/**
 * The page's data parsed in the worker: IDX files (datasetFromFiles), CIFAR-10's binary
 * batches (src/data/cifar.ts, as the CLI reads them), an image folder or a
 * zip of one (src/data/image-files.ts, the CLI's layout and assembly rules), or a CSV file
 * (src/data/csv.ts). Images are decoded by the browser's own decoders (createImageBitmap,
 * read back through an OffscreenCanvas), exactly as drawn: no colour management, no
 * premultiplied alpha.
 */
/// <reference lib="webworker" />
import { datasetFromCifarFiles } from '../../src/data/cifar.ts';
import { parseImageCsv } from '../../src/data/csv.ts';
import { datasetFromFiles, type Dataset } from '../../src/data/dataset.ts';
import { datasetFromImageFiles, unzipFolder, type DecodeImage } from '../../src/data/image-files.ts';
import type { DataFiles } from '../shared/worker-protocol.ts';

/** One canvas for every image (resized when the size changes): drawing and reading back run without an await between them. */
let canvas: OffscreenCanvasRenderingContext2D | null = null;

const decodeInBrowser: DecodeImage = async (bytes) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const { width, height } = bitmap;
    canvas ??= new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!canvas) throw new Error('this browser has no 2D canvas in workers');
    if (canvas.canvas.width !== width || canvas.canvas.height !== height) [canvas.canvas.width, canvas.canvas.height] = [width, height];
    else canvas.clearRect(0, 0, width, height);
    canvas.drawImage(bitmap, 0, 0);
    const { data } = canvas.getImageData(0, 0, width, height);
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
};

/** The data set in `data`; the first problem stops it, naming the file. */
export async function readData(data: DataFiles): Promise<Dataset> {
  const { name, source } = data;
  switch (data.kind) {
    case 'idx':
      return datasetFromFiles(new Map(data.files), name, source);
    case 'cifar':
      return datasetFromCifarFiles(new Map(data.files), name, source);
    case 'csv': {
      const [[file, bytes]] = data.files;
      return { name, source, train: parseImageCsv(bytes, file), testFiles: 'a CSV file has none' };
    }
    case 'zip': {
      const [[file, bytes]] = data.files;
      const folder = await unzipFolder(bytes, file);
      // Errors name files inside the zip (`shapes.zip/cat/1.png`); the data set is named as the page named it.
      return { ...(await datasetFromImageFiles(folder, decodeInBrowser, folder.folder ? `${file}/${folder.folder}` : file, source)), name };
    }
    case 'image-folder':
      return datasetFromImageFiles({ files: new Map(data.files), dirs: data.dirs ?? [] }, decodeInBrowser, name, source);
  }
}
