/**
 * MNIST exported to a folder of PNGs by class trains exactly as from its IDX files: the
 * image folder reader gives back the same bytes in the same order (file names are the IDX
 * indices), so the same seed draws the same mini-batches and the same accuracy follows.
 * 600 images here; the README gives the whole 60,000 (bench/export-images.ts). Skipped,
 * with the reason, where the real MNIST is absent.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { holdOut, subset } from '../../src/data/dataset.ts';
import { loadImageFolder } from '../../src/data/image-folder.node.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { PRESETS } from '../../src/train/config.ts';
import { testGpu } from '../helpers/gpu.ts';
import { mnistDir } from './fixtures.ts';
import { encodeImage } from './image-fixtures.ts';

const mnist = mnistDir();
const COUNT = 600;
let tmp: string | undefined;
const trainers: GpuTrainer[] = [];
afterAll(async () => {
  trainers.forEach((t) => t.destroy());
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!mnist.dir)(`MNIST as PNG files ${mnist.reason}`, () => {
  it(`${COUNT} images: the same bytes, labels and order as the IDX files, and the same training run`, async () => {
    const idx = subset((await loadIdxDataset(mnist.dir!)).train, COUNT);
    tmp = await mkdtemp(join(tmpdir(), 'wgtrain-mnist-png-'));
    const P = 28 * 28;
    for (let i = 0; i < COUNT; i++) {
      const rgba = new Uint8Array(4 * P);
      for (let p = 0; p < P; p++) rgba.set([idx.images[i * P + p], idx.images[i * P + p], idx.images[i * P + p], 255], 4 * p);
      await mkdir(join(tmp, String(idx.labels[i])), { recursive: true });
      await writeFile(join(tmp, String(idx.labels[i]), `${String(i).padStart(5, '0')}.png`), await encodeImage(rgba, 28, 28, 'png'));
    }
    const png = await loadImageFolder(tmp);
    expect(png.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(png.train).toMatchObject({ count: COUNT, channels: 1, rows: 28, cols: 28, classes: 10 });
    expect(png.train.labels).toEqual(idx.labels);
    expect(png.train.images).toEqual(idx.images);

    const config = { ...PRESETS.lecun, epochs: 2, batch: 50 };
    const run = async (split: typeof idx) => {
      const { train, val } = holdOut(split, 100);
      const t = await GpuTrainer.create(await testGpu(), config, train, val);
      trainers.push(t);
      await t.trainEpoch();
      return t.trainEpoch();
    };
    const [fromIdx, fromPng] = [await run(idx), await run(png.train)];
    expect(fromPng.val.accuracy).toBe(fromIdx.val.accuracy);
    expect(Array.from(fromPng.val.preds)).toEqual(Array.from(fromIdx.val.preds));
    expect(fromPng.val.loss).toBe(fromIdx.val.loss);
    expect(fromIdx.val.accuracy).toBeGreaterThan(0.5); // it learnt (10% is chance): 63% measured after 20 mini-batches of 50
  }, 120_000);
});
