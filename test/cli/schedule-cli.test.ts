/**
 * `wgtrain train --schedule … --warmup … --optimizer adamw --weight-decay …` end to end: the
 * header says the schedule, each epoch reports the rate of its last mini-batch, the model
 * file's `training` note and the checkpoint record the settings, a resume may not change
 * the schedule, and a schedule the run cannot use is refused in one line before training.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { readCheckpoint } from '../../src/train/checkpoint.node.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-schedule-'));
  await writeSyntheticIdx(dir, 600);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// 400 training images in mini-batches of 20: 20 a epoch.
const run = (...more: string[]) => ['train', '--data', dir, '--arch', '64-16-10', '--validation', '200', '--batch', '20', '--device', 'cpu', ...more];
const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('--schedule and --optimizer adamw on the command line', () => {
  it('onecycle with AdamW: the header, each epoch\'s rate, the model\'s note and the checkpoint', async () => {
    const out = join(dir, 'onecycle');
    const ck = join(dir, 'ck');
    const flags = ['--epochs', '3', '--lr', '0.01', '--schedule', 'onecycle', '--optimizer', 'adamw', '--weight-decay', '0.05'];
    const r = await wgtrainHere(...run(...flags, '--out', out, '--checkpoint', ck, '--json'));
    expect(r.code, r.stderr).toBe(0);
    // Under --json the header goes to stderr.
    expect(r.stderr).toContain('batch 20, η onecycle 0.0004 → 0.01 → 4e-8, L2 0, AdamW (β1 0.9, β2 0.999, ε 1e-8, weight decay 0.05), 3 epochs');
    const lines = jsonLines(r.stdout);
    const config = lines.find((l) => l.type === 'start').config;
    expect(config).toMatchObject({ lrSchedule: 'onecycle', optimizer: 'adamw', weightDecay: 0.05, lrDecay: 1, l2: 0 });
    const rates = lines.filter((l) => l.type === 'epoch').map((l) => l.lr);
    expect(rates).toEqual([1, 2, 3].map((e) => learningRate(config, e, 19, 20)));
    expect(rates[2]).toBeCloseTo(0.01 / 25 / 1e4, 12);

    const note = JSON.parse(loadModel(new Uint8Array(await readFile(`${out}.safetensors`))).metadata.training);
    expect(note).toMatchObject({ lrSchedule: 'onecycle', lr: 0.01, optimizer: 'adamw', weightDecay: 0.05, beta1: 0.9, batch: 20 });
    const saved = await readCheckpoint(ck);
    expect(saved.config).toMatchObject({ lrSchedule: 'onecycle', optimizer: 'adamw', weightDecay: 0.05 });

    const other = await wgtrainHere(...run('--epochs', '4', '--checkpoint', ck, '--resume', '--no-out', '--schedule', 'cosine'));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('--schedule cosine (the checkpoint has onecycle)');
  });

  it('cosine with warm-up: rates per epoch as learningRate gives them', async () => {
    const r = await wgtrainHere(...run('--epochs', '2', '--lr', '0.1', '--schedule', 'cosine', '--warmup', '30', '--lr-min', '0.001', '--no-out', '--json'));
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const config = lines.find((l) => l.type === 'start').config;
    expect(config).toMatchObject({ lrSchedule: 'cosine', warmup: 30, lrMin: 0.001 });
    // Epoch 1 ends inside the warm-up: 20 of 30 mini-batches, 2/3 of η.
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.lr)).toEqual([0.1 * (20 / 30), learningRate(config, 2, 19, 20)]);
  });

  // The rest of the refusals are test/train/schedule.test.ts's, in-process.
  it('refuses, in one line before training, a schedule the run cannot use', async () => {
    for (const [flags, message] of [
      [['--warmup', '40'], 'warm-up of 40 mini-batches is not shorter than the run\'s 40 (2 epochs of 20): give --warmup 39 or less'],
      [['--schedule', 'exp'], "option '--schedule <name>' argument 'exp' is invalid. Allowed choices are step, cosine, onecycle."],
    ] as const) {
      const r = await wgtrainHere(...run('--epochs', '2', '--no-out', ...flags));
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stdout, flags.join(' ')).toBe('');
      expect(r.stderr, flags.join(' ')).toContain(message);
    }
  });
});
