/**
 * Training on your own data from the command line: a generated folder of colour PNGs by
 * class (train/ and test/) trains a small CNN on the GPU for two epochs, the model file
 * names its classes, and `wgtrain eval` prints them in its confusion matrix; a CSV file
 * trains on the CPU; a wrong --arch is told what to write, a corrupt image is named.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { Rng } from '../../src/model/rng.ts';
import { encodeImage } from '../data/image-fixtures.ts';
import { wgtrain, wgtrainHere } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';

const CLASSES = ['blue', 'green', 'red'];
/** Class k's images: colour channel (2 − k) bright over noise, so a network tells them apart by colour. */
const CHANNEL = [2, 1, 0];

let dir: string;
let root: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-images-cli-'));
  root = join(dir, 'colours');
  const rng = new Rng(3);
  for (const [split, count] of [['train', 240], ['test', 30]] as const) {
    for (let i = 0; i < count; i++) {
      const k = i % 3;
      const rgba = new Uint8Array(8 * 8 * 4);
      for (let p = 0; p < 64; p++) {
        for (let c = 0; c < 3; c++) rgba[4 * p + c] = rng.below(110) + (c === CHANNEL[k] ? 140 : 0);
        rgba[4 * p + 3] = 255;
      }
      await mkdir(join(root, split, CLASSES[k]), { recursive: true });
      await writeFile(join(root, split, CLASSES[k], `${String(i).padStart(3, '0')}.png`), await encodeImage(rgba, 8, 8, 'png'));
    }
  }
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wgtrain on an image folder', () => {
  it('trains a colour CNN, saves the class names with the model, and eval names them in its confusion matrix', async () => {
    const model = join(dir, 'colours');
    const r = await wgtrain(
      'train', '--data', root, '--arch', '3x8x8-conv4k3-pool2-3', '--validation', '30', '--epochs', '2', '--batch', '10',
      '--lr', '0.1', '--adapter', TEST_ADAPTER, '--json', '--out', model,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'start', train: 210, val: 30, test: 30, classNames: CLASSES, dataset: 'colours', source: root });
    expect(r.stderr).toContain('classes: blue, green, red');
    expect(r.stderr).toContain('test set: 30 images (test/ folder), measured once training ends');
    const summary = lines.at(-1);
    expect(summary.testAccuracy).toBeGreaterThan(0.9);

    const saved = loadModel(new Uint8Array(await readFile(`${model}.safetensors`)));
    expect(saved.classNames).toEqual(CLASSES);
    expect(saved.spec.input).toEqual({ channels: 3, height: 8, width: 8 });

    const e = await wgtrainHere('eval', `${model}.safetensors`, '--data', root, '--validation', '30', '--device', 'cpu');
    expect(e.code, e.stderr).toBe(0);
    const matrix = e.stdout.split('\n').slice(e.stdout.split('\n').findIndex((l) => l.startsWith('true\\pred')));
    expect(matrix[0]).toMatch(/^true\\pred +blue +green +red +recall$/);
    expect(matrix.slice(1, 4).map((l) => l.split(/ +/)[0])).toEqual(CLASSES);
    const j = JSON.parse((await wgtrainHere('eval', `${model}.safetensors`, '--data', root, '--validation', '30', '--device', 'cpu', '--json')).stdout);
    expect(j).toMatchObject({ classNames: CLASSES, split: 'test set', count: 30, accuracy: summary.testAccuracy });
  });

  it('ends a run given --channels and --size with an eval command that reads the images as it did', async () => {
    const model = join(dir, 'gray4');
    const r = await wgtrainHere(
      'train', '--data', root, '--channels', '1', '--size', '4', '--arch', '4x4-8-3', '--validation', '30', '--epochs', '1', '--batch', '10',
      '--device', 'cpu', '--out', model,
    );
    expect(r.code, r.stderr).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1)!;
    expect(last).toContain('measure it with: wgtrain eval ');
    const hint = last.split('measure it with: wgtrain ')[1].split(' ');
    expect(hint).toEqual(expect.arrayContaining(['--channels', '1', '--size', '4']));
    const e = await wgtrainHere(...hint, '--device', 'cpu');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/test set: \d+\/30 correct/);
  });

  /** A CSV file of 40 2×2 images in two classes (bright top or bottom half) in `folder`, made here. */
  async function twoClassCsv(folder: string, name: string): Promise<string> {
    await mkdir(folder, { recursive: true });
    const rows = ['label,' + Array.from({ length: 4 }, (_, p) => `pixel${p}`).join(',')];
    for (let i = 0; i < 40; i++) rows.push([i % 2, ...Array.from({ length: 4 }, (_, p) => ((p < 2) === (i % 2 === 0) ? 200 : 20))].join(','));
    const csv = join(folder, name);
    await writeFile(csv, rows.join('\n'));
    return csv;
  }

  it('quotes the paths of its closing eval command so that it can be pasted into a shell', async () => {
    const folder = join(dir, 'my data');
    const csv = await twoClassCsv(folder, "it's.csv");
    const r = await wgtrainHere('train', '--data', csv, '--arch', '2x2-2', '--validation', '10', '--epochs', '1', '--batch', '10', '--device', 'cpu', '--out', join(folder, 'a model'));
    expect(r.code, r.stderr).toBe(0);
    const hint = r.stdout.trim().split('\n').at(-1)!.split('measure it with: ')[1];
    // What a shell makes of the hint: one argument per line.
    const { stdout } = await promisify(execFile)('bash', ['-c', `printf '%s\\n' ${hint}`]);
    const args = stdout.trim().split('\n');
    expect(args).toEqual(['wgtrain', 'eval', join(folder, 'a model.safetensors'), '--data', csv, '--validation', '10']);
    const e = await wgtrainHere(...args.slice(1), '--device', 'cpu');
    expect(e.code, e.stderr).toBe(0);
  });

  it('holds out a sixth of a set smaller than 10,000 without --validation, and its eval command does the same', async () => {
    const folder = join(dir, 'small');
    const csv = await twoClassCsv(folder, 'small.csv');
    const r = await wgtrainHere('train', '--data', csv, '--arch', '2x2-2', '--epochs', '1', '--batch', '10', '--device', 'cpu', '--json', '--out', join(folder, 'm'));
    expect(r.code, r.stderr).toBe(0);
    // 40 images: 7 held out (a sixth).
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.val.count).toBe(7);
    const hint = r.stderr.trim().split('\n').at(-1)!.split('measure it with: ')[1] ?? '';
    expect(hint).not.toContain('--validation');
    expect(r.stderr).toContain('33 training, 7 validation images');
    expect(r.stderr).toContain(', 1 epoch, seed 1'); // not "1 epochs"
    const e = await wgtrainHere('eval', join(folder, 'm.safetensors'), '--data', csv, '--device', 'cpu', '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).count).toBe(7);
  });

  it('tells a network of the wrong input what to write in --arch', async () => {
    const gray = await wgtrainHere('train', '--data', root, '--channels', '1', '--arch', '3x8x8-conv4k3-pool2-3', '--device', 'cpu', '--no-out', '--validation', '30');
    expect(gray.code).not.toBe(0);
    expect(gray.stderr).toContain('the network takes 192 inputs but the images have 64 pixels: start the architecture with 8x8');
  });

  it('trains on a CSV file of labels and pixels', async () => {
    const rng = new Rng(4);
    const rows = ['label,' + Array.from({ length: 16 }, (_, p) => `pixel${p}`).join(',')];
    for (let i = 0; i < 300; i++) {
      const k = i % 2;
      rows.push([k, ...Array.from({ length: 16 }, (_, p) => rng.below(100) + ((p < 8) === (k === 0) ? 150 : 0))].join(','));
    }
    const csv = join(dir, 'halves.csv');
    await writeFile(csv, rows.join('\n'));
    const r = await wgtrainHere('train', '--data', csv, '--arch', '4x4-8-2', '--validation', '50', '--epochs', '2', '--batch', '10', '--device', 'cpu', '--no-out', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ train: 250, val: 50, test: null, classNames: null, dataset: 'halves' });
    expect(lines.at(-1).valAccuracy).toBeGreaterThan(0.9);
    expect(r.stderr).toContain(`no test set (a CSV file has none) in ${csv}`);
  });

  it('names a corrupt image and trains on nothing', async () => {
    const bad = join(dir, 'bad');
    await mkdir(join(bad, 'a'), { recursive: true });
    await mkdir(join(bad, 'b'), { recursive: true });
    await writeFile(join(bad, 'a', '0.png'), await encodeImage(new Uint8Array(64 * 4).fill(200), 8, 8, 'png'));
    await writeFile(join(bad, 'b', '1.jpg'), 'not a jpeg');
    const r = await wgtrainHere('train', '--data', bad, '--arch', '64-2', '--device', 'cpu', '--no-out');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${join(bad, 'b', '1.jpg')} is not an image wgtrain can decode`);
    expect(r.stdout).not.toMatch(/epoch/);
  });
});
