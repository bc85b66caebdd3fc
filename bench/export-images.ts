/**
 * Exports an IDX data set's training images as a folder of grayscale PNGs by class
 * (OUT/<label>/<index>.png, the index zero-padded so that file-name order is the IDX order)
 * and/or as a CSV file (Kaggle's train.csv layout: a `label` header column, then pixel0 …),
 * then times reading each back with the readers `--data` uses. For the README's load times
 * and the IDX-vs-PNG training comparison.
 *
 *   node --import tsx bench/export-images.ts --data ../shared/data/mnist --png /tmp/mnist-png --csv /tmp/mnist.csv [--limit N] [--read-only]
 *
 * --read-only times reading an earlier export again, without writing it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Jimp, JimpMime, PNGColorType } from 'jimp';
import { loadCsvDataset } from '../src/data/csv.node.ts';
import { loadIdxDataset } from '../src/data/dataset.node.ts';
import { loadImageFolder } from '../src/data/image-folder.node.ts';
import type { Split } from '../src/data/dataset.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/mnist' }, png: { type: 'string' }, csv: { type: 'string' }, limit: { type: 'string' },
    'read-only': { type: 'boolean', default: false },
  },
});
const idx = await loadIdxDataset(values.data!);
const train = idx.train;
const count = values.limit ? Math.min(Number(values.limit), train.count) : train.count;
const { rows, cols } = train;
const P = rows * cols;
const digits = String(train.count - 1).length;

/** Wall and CPU seconds since `t0` (CPU time says more than wall time on a shared machine). */
function took(t0: { wall: number; cpu: NodeJS.CpuUsage }): string {
  const cpu = process.cpuUsage(t0.cpu);
  return `${((performance.now() - t0.wall) / 1000).toFixed(1)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`;
}
const start = () => ({ wall: performance.now(), cpu: process.cpuUsage() });

function sameAsIdx(what: string, split: Split): void {
  const same = split.count === count && split.channels === 1 && split.rows === rows && split.cols === cols &&
    split.images.every((v, i) => v === train.images[i]) && split.labels.every((v, i) => v === train.labels[i]);
  if (!same) throw new Error(`${what} read back differs from the IDX images`);
}

const write = !values['read-only'];

if (values.png && write) {
  const t0 = performance.now();
  for (let k = 0; k < train.classes; k++) await mkdir(join(values.png, String(k)), { recursive: true });
  for (let i = 0; i < count; i++) {
    const img = new Jimp({ width: cols, height: rows });
    for (let p = 0; p < P; p++) img.bitmap.data.set([train.images[i * P + p], train.images[i * P + p], train.images[i * P + p], 255], 4 * p);
    const png = await img.getBuffer(JimpMime.png, { colorType: PNGColorType.GRAYSCALE });
    await writeFile(join(values.png, String(train.labels[i]), `${String(i).padStart(digits, '0')}.png`), png);
  }
  console.log(`wrote ${count} PNGs to ${values.png} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
if (values.png) {
  const t1 = start();
  const back = await loadImageFolder(values.png);
  console.log(`read ${back.train.count} PNGs back in ${took(t1)}`);
  sameAsIdx('the PNG folder', back.train);
}

if (values.csv && write) {
  const lines = [['label', ...Array.from({ length: P }, (_, p) => `pixel${p}`)].join(',')];
  for (let i = 0; i < count; i++) lines.push([train.labels[i], ...train.images.subarray(i * P, (i + 1) * P)].join(','));
  await writeFile(values.csv, `${lines.join('\n')}\n`);
}
if (values.csv) {
  const t1 = start();
  const back = await loadCsvDataset(values.csv);
  console.log(`read ${back.train.count} CSV rows back in ${took(t1)}`);
  sameAsIdx('the CSV file', back.train);
}
console.log('the images read back are the IDX images, in the same order');
