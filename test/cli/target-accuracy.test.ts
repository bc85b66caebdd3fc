/**
 * `wgtrain train --target-accuracy A`: how A is read, a run that stops once validation
 * reaches it (a finished run: model saved, checkpoint written, exit 0), and the time to
 * accuracy in the summary, continued across --resume.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetAccuracy } from '../../src/cli/options.ts';
import { loadModel } from '../../src/model/model-file.ts';
import { CHECKPOINT_FILE, readCheckpoint } from '../../src/train/checkpoint.node.ts';
import { edit } from '../train/checkpoint-bytes.ts';
import { wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-target-'));
  await writeSyntheticIdx(dir, 1200);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// A slow learning rate: validation accuracy 23%, 31.5%, 46%, 57.5% after epochs 1 to 4.
const slow = (...more: string[]) =>
  ['train', '--data', dir, '--arch', '64-32-10', '--validation', '200', '--batch', '20', '--lr', '0.01', '--device', 'cpu', ...more];
const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('--target-accuracy A', () => {
  it.each([
    ['0.99', 0.99], ['1', 1], ['.5', 0.5], ['99%', 0.99], ['99.5%', 0.995], ['99', 0.99], ['99.5', 0.995], ['100', 1], ['30%', 0.3],
  ])('reads %s as %d', (text, value) => {
    expect(targetAccuracy(text)).toBe(value);
  });

  it.each([
    ['0', 'is out of range'], ['0%', 'is out of range'], ['101', 'is out of range'], ['150%', 'is out of range'],
    ['-0.5', 'is not a number'], ['abc', 'is not a number'], ['', 'is not a number'], ['0.9x', 'is not a number'],
    ['1e-1', 'is not a number'], ['99%%', 'is not a number'], ['NaN', 'is not a number'], ['Infinity', 'is not a number'],
  ])('refuses %j: %s', (text, why) => {
    expect(() => targetAccuracy(text)).toThrow(
      `--target-accuracy ${text} ${why}: give a validation accuracy as a fraction (0.99) or a percentage (99% or 99), above 0 and at most 100%.`,
    );
  });

  it('the command refuses a bad A in one line, before training', async () => {
    const r = await wgtrainHere(...slow('--epochs', '1', '--no-out', '--target-accuracy', '150%'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('wgtrain: --target-accuracy 150% is out of range: give a validation accuracy as a fraction (0.99) or a percentage (99% or 99), above 0 and at most 100%.\n');
  });

  it('stops after the epoch that reaches A, as a finished run: model saved, checkpoint written, exit 0', async () => {
    const out = join(dir, 'stopped');
    const ck = join(dir, 'ck-stopped');
    const r = await wgtrainHere(...slow('--epochs', '4', '--out', out, '--checkpoint', ck, '--target-accuracy', '30%'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('reached --target-accuracy 30.00% after epoch 2 of 4 (validation 31.50%): the run is finished');
    expect(r.stdout).not.toContain('epoch 3/4');
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-2)).toBe('time to 98%: not reached; 99%: not reached; 99.5%: not reached (training time from the first mini-batch, validation excluded)');
    expect(lines.at(-1)).toMatch(/^saved .*stopped\.safetensors; measure it with/);
    const model = loadModel(new Uint8Array(await readFile(`${out}.safetensors`)));
    expect(model.metadata.epochs).toBe('2 of 4 (reached --target-accuracy 0.3)');
    const c = await readCheckpoint(ck);
    expect(c.state.epoch).toBe(2);
    expect(c.epochSeconds).toHaveLength(2);
  });

  it('--json: the summary has targetAccuracy, targetReached and the time to each accuracy; times continue across --resume', async () => {
    const ck = join(dir, 'ck-json');
    const first = await wgtrainHere(...slow('--epochs', '2', '--no-out', '--checkpoint', ck, '--json'));
    expect(first.code, first.stderr).toBe(0);
    const before = jsonLines(first.stdout);
    const summary1 = before.at(-1);
    expect(summary1).toMatchObject({
      type: 'summary', epochs: 2, timeToAccuracy: { '0.98': null, '0.99': null, '0.995': null }, epochToAccuracy: { '0.98': null, '0.99': null, '0.995': null },
    });
    expect(summary1).not.toHaveProperty('targetAccuracy');
    const trainSeconds = before.filter((l) => l.type === 'epoch').map((l) => l.trainSeconds);
    expect(trainSeconds).toEqual([expect.any(Number), expect.any(Number)]);
    expect((await readCheckpoint(ck)).epochSeconds).toEqual(trainSeconds);

    const resumed = await wgtrainHere(...slow('--epochs', '6', '--no-out', '--checkpoint', ck, '--resume', '--json', '--target-accuracy', '0.4'));
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = jsonLines(resumed.stdout);
    expect(after.map((l) => l.type)).toEqual(['start', 'epoch', 'summary']);
    const epoch3 = after[1];
    expect(epoch3.epoch).toBe(3);
    expect(after[2]).toMatchObject({ epochs: 3, targetAccuracy: 0.4, targetReached: { epoch: 3 }, timeToAccuracy: { '0.98': null } });
    expect(after[2].targetReached.seconds).toBeCloseTo(trainSeconds[0] + trainSeconds[1] + epoch3.trainSeconds, 9);
    expect(resumed.stderr).toContain('reached --target-accuracy 40.00% after epoch 3 of 6');
  });

  it('resuming a checkpoint without times (an older wgtrain) says times before it are unknown', async () => {
    const ck = join(dir, 'ck-old');
    expect((await wgtrainHere(...slow('--epochs', '1', '--no-out', '--checkpoint', ck))).code).toBe(0);
    const file = join(ck, CHECKPOINT_FILE);
    await writeFile(file, edit(new Uint8Array(await readFile(file)), (p) => { delete p.metadata.epochSeconds; }, true));
    const r = await wgtrainHere(...slow('--epochs', '3', '--no-out', '--checkpoint', ck, '--resume', '--json', '--target-accuracy', '0.3'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: the checkpoint records no training times (written by an older wgtrain): times to accuracy that include epochs 1–1 are unknown');
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ targetReached: { epoch: 2, seconds: null } });
    expect((await readCheckpoint(ck)).epochSeconds).toEqual([null, expect.any(Number)]);
  });
});
