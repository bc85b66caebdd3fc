/**
 * Interrupted runs lose nothing: a real child process killed by a real signal after epoch 2
 * and resumed ends with weights bit-identical to a run that was never interrupted; a lost
 * device ends the run with a clear message and the checkpoint resumes on the CPU. Refusals
 * (which come before any device is opened) and short CPU runs that need no process of their
 * own run the command in this process (wgtrainHere).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { openNodeGpu } from '../../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { loadModel } from '../../src/model/model-file.ts';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { restoreCheckpoint, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { spawnWgtrain, wgtrain, wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { denseNetwork } from '../../src/model/arch.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-ckpt-'));
  await writeSyntheticIdx(dir, 3000);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Momentum makes the optimiser state matter; 6 epochs leave room to stop after epoch 2.
const RUN = ['--data', '', '--arch', '64-40-20-10', '--validation', '500', '--epochs', '6', '--batch', '25', '--lr', '0.05', '--momentum', '0.9', '--adapter', TEST_ADAPTER];
const args = (...extra: string[]) => [...RUN.map((a) => (a === '' ? dir : a)), ...extra];

async function params(file: string): Promise<Float32Array> {
  return loadModel(new Uint8Array(await readFile(file))).params;
}

describe('checkpoint and resume', () => {
  it('SIGTERM after epoch 2, then --resume: final weights are bit-identical to an uninterrupted run', async () => {
    const whole = join(dir, 'whole');
    const r = await wgtrain('train', ...args('--out', whole));
    expect(r.code, r.stderr).toBe(0);

    const ckpt = join(dir, 'ckpt');
    const child = spawnWgtrain('train', ...args('--checkpoint', ckpt));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/epoch 2\/6/.test(out) && !child.killed) child.kill('SIGTERM');
    });
    const [code] = await once(child, 'exit');
    expect(code, out).toBe(143);
    expect(out).toMatch(/stopped after epoch \d; checkpoint saved in/);
    const stoppedAt = Number(/stopped after epoch (\d)/.exec(out)![1]);
    expect(stoppedAt).toBeLessThan(6);

    const resumed = join(dir, 'resumed');
    const r2 = await wgtrain('train', ...args('--checkpoint', ckpt, '--resume', '--out', resumed));
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain(`resuming from the checkpoint in ${ckpt} after epoch ${stoppedAt}`);
    expect(r2.stdout).not.toMatch(new RegExp(`epoch ${stoppedAt}/6`));
    const [a, b] = [await params(`${whole}.safetensors`), await params(`${resumed}.safetensors`)];
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), 'weights differ from the uninterrupted run').toBe(true);
  });

  it('refuses to resume a checkpoint of a different run, and says why', async () => {
    const ckpt = join(dir, 'ckpt'); // from the test above
    await stat(join(ckpt, 'checkpoint.safetensors'));
    const r = await wgtrainHere('train', ...args('--checkpoint', ckpt, '--resume', '--validation', '400'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The checkpoint in ${ckpt} belongs to a different run: the data (2500/500 training/validation images in the checkpoint, 2600/400 now)`);
    const missing = await wgtrainHere('train', ...args('--checkpoint', join(dir, 'none'), '--resume'));
    expect(missing.stderr).toContain('No checkpoint to resume from');
  });
});

describe('damaged checkpoints', () => {
  it('refuses a damaged or edited checkpoint (or a folder in its place) with one line naming the file and the problem', async () => {
    const original = new Uint8Array(await readFile(join(dir, 'ckpt', 'checkpoint.safetensors'))); // from the first test
    const headerEnd = 8 + new DataView(original.buffer).getUint32(0, true);
    const flipped = original.slice();
    flipped[headerEnd + 100] ^= 0x04; // one bit of one weight
    const parts = readSafetensors(original);
    const short = writeSafetensors(
      [...parts.tensors].map(([name, t]) => ({ name, shape: [1000], data: t.data.slice(0, 1000) })),
      parts.metadata,
    );
    const cases: [string, Uint8Array | null, string][] = [
      ['flipped', flipped, `invalid checkpoint: checksum mismatch: the file's contents have CRC-32`],
      ['short', short, 'invalid checkpoint: tensor params has shape [1000], but network 64-40-20-10 needs ['],
      ['folder', null, 'it is a folder, not a checkpoint file'],
    ];
    const results = await Promise.all(
      cases.map(async ([name, bytes]) => {
        const ckpt = join(dir, `damaged-${name}`);
        await mkdir(ckpt);
        const file = join(ckpt, 'checkpoint.safetensors');
        if (bytes) await writeFile(file, bytes);
        else await mkdir(file);
        return wgtrainHere('train', ...args('--checkpoint', ckpt, '--resume'));
      }),
    );
    results.forEach((r, i) => {
      const file = join(dir, `damaged-${cases[i][0]}`, 'checkpoint.safetensors');
      expect(r.code, `${cases[i][0]}: ${r.stdout}`).toBe(1);
      expect(r.stderr).toContain(cases[i][2]);
      expect(r.stderr).toContain(file);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:'))).toHaveLength(1);
      expect(r.stdout).not.toMatch(/epoch \d\//);
    });
  });
});

// A small run on the CPU reference, for the resume-option checks (each refusal comes before any work).
const CPU_RUN = ['--data', '', '--arch', '64-16-10', '--validation', '500', '--limit', '1000', '--batch', '25', '--lr', '0.05', '--epochs', '2', '--device', 'cpu'];
const cpuArgs = (...extra: string[]) => [...CPU_RUN.map((a) => (a === '' ? dir : a)), ...extra];

describe('options on resume', () => {
  let ckpt: string;
  const file = () => join(ckpt, 'checkpoint.safetensors');
  beforeAll(async () => {
    ckpt = join(dir, 'options');
    const r = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt));
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses options that would make it another run, naming the option and both values; the checkpoint is untouched', async () => {
    const before = await readFile(file());
    const cases: [string[], string][] = [
      [['--batch', '50'], '--batch 50 (the checkpoint has 25)'],
      [['--arch', '64-20-10'], '--arch 64-20-10 (the checkpoint has 64-16-10)'],
      [['--seed', '2'], '--seed 2 (the checkpoint has 1)'],
      [['--momentum', '0.5'], '--momentum 0.5 (the checkpoint has 0)'],
      [['--l2', '0.001'], '--l2 0.001 (the checkpoint has 0.0001)'],
      [['--activation', 'sigmoid'], '--activation sigmoid (the checkpoint has relu)'],
      [['--init', 'he'], '--init he (the checkpoint has xavier)'],
      [['--preset', 'nielsen'], '--preset nielsen gives --activation sigmoid (the checkpoint has relu)'],
    ];
    // A copy per case, so that the runs do not wait for each other's lock on the folder.
    const copies = await Promise.all(cases.map(async (_, i) => {
      const copy = `${ckpt}-${i}`;
      await mkdir(copy);
      await writeFile(join(copy, 'checkpoint.safetensors'), before);
      return copy;
    }));
    const results = await Promise.all(cases.map(([extra], i) => wgtrainHere('train', ...cpuArgs('--checkpoint', copies[i], '--resume', ...extra))));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i][0].join(' ')}: ${r.stdout}`).toBe(1);
      expect(r.stderr).toContain(`Cannot resume the run in ${copies[i]} with other settings: ${cases[i][1]}`);
      expect(r.stderr).toContain('only --lr, --lr-decay and --epochs may change on resume');
      expect(r.stdout).not.toMatch(/epoch \d\//);
    });
    for (const copy of copies) expect((await readFile(join(copy, 'checkpoint.safetensors'))).equals(before), 'the checkpoint changed').toBe(true);
  });

  it('refuses other images with the same counts (the data digest differs), naming both digests', async () => {
    const before = await readFile(file());
    const other = join(dir, 'other-images');
    await mkdir(other);
    await writeSyntheticIdx(other, 3000, 6); // same counts, other pixels
    const r = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, '--resume', '--data', other));
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`The checkpoint in ${ckpt} belongs to a different run: the training images or labels \\(SHA-256 [0-9a-f]{12}… in the checkpoint, [0-9a-f]{12}… now, 1000 images each\\)`),
    );
    expect(r.stderr).toContain('Resume with the same --data, --validation and --limit as the run that wrote it');
    expect((await readFile(file())).equals(before)).toBe(true);
  });

  it('resumes a checkpoint written before data digests, says so, and records the digest from then on', async () => {
    const legacyDir = join(dir, 'legacy');
    await mkdir(legacyDir);
    const c = decodeCheckpoint(new Uint8Array(await readFile(file())));
    // What wgtrain wrote before checkpoints had a checksum, a data digest and a schedule.
    const legacy = writeSafetensors([{ name: 'params', shape: [c.params.length], data: c.params }], {
      format: 'wgtrain-checkpoint',
      config: JSON.stringify(c.config),
      state: JSON.stringify({ epoch: c.state.epoch, rng: c.state.rng.map((v) => (Number.isNaN(v) ? null : v)) }),
      data: JSON.stringify({ source: c.data.source, train: c.data.train, val: c.data.val }),
      history: JSON.stringify(c.history),
    });
    await writeFile(join(legacyDir, 'checkpoint.safetensors'), legacy);
    const r = await wgtrainHere('train', ...cpuArgs('--checkpoint', legacyDir, '--resume', '--epochs', String(c.state.epoch + 1)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${join(legacyDir, 'checkpoint.safetensors')} was written by an older wgtrain: it has no data digest`);
    const next = decodeCheckpoint(new Uint8Array(await readFile(join(legacyDir, 'checkpoint.safetensors'))));
    expect(next.state.epoch).toBe(c.state.epoch + 1);
    expect(next.data.trainSha256).toBe(c.data.trainSha256);
    expect(next.data.valSha256).toBe(c.data.valSha256);
  });

  it('takes a new learning rate, decay and epoch count, and records them in the checkpoint', async () => {
    const r = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, '--resume', '--lr', '0.02', '--lr-decay', '0.5', '--epochs', '3', '--json'));
    expect(r.code, r.stderr).toBe(0);
    const epochs = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([3]);
    // The options mean what they mean on a fresh run: η at epoch 1, decaying per epoch.
    expect(epochs[0].lr).toBeCloseTo(0.02 * 0.5 ** 2, 12);
    expect(r.stderr).toContain('η 0.02 ×0.5/epoch, 3 epochs (the checkpoint had η 0.05 ×0.9/epoch, 2 epochs)');
    const saved = decodeCheckpoint(new Uint8Array(await readFile(file())));
    expect(saved.state.epoch).toBe(3);
    expect([saved.config.lr, saved.config.lrDecay, saved.config.epochs]).toEqual([0.02, 0.5, 3]);
    expect(saved.schedule).toEqual([
      { from: 1, lr: 0.05, lrDecay: 0.9, epochs: 2 },
      { from: 3, lr: 0.02, lrDecay: 0.5, epochs: 3 },
    ]);
  });

  it('refuses --epochs below the epochs already trained', async () => {
    const before = await readFile(file());
    const r = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, '--resume', '--epochs', '2'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--epochs 2 is fewer than the 3 epochs the checkpoint in ${ckpt} has trained: give --epochs 3 or more`);
    expect((await readFile(file())).equals(before)).toBe(true);
  });
});

/** The id of a process that has exited (for stale temporary files and locks). */
async function deadPid(): Promise<number> {
  const child = spawn('node', ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

async function collect(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('the checkpoint folder', () => {
  it('a failed checkpoint write names the file and says the previous checkpoint is intact; the temporary file is removed', async () => {
    const ckpt = join(dir, 'write-fails');
    const first = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, '--epochs', '1'));
    expect(first.code, first.stderr).toBe(0);
    const before = await readFile(join(ckpt, 'checkpoint.safetensors'));
    const child = spawnWgtrain('train', ...cpuArgs('--checkpoint', ckpt, '--resume', '--epochs', '2'));
    const temp = join(ckpt, `checkpoint.safetensors.tmp-${child.pid}`);
    await symlink('/dev/full', temp); // a disk that is always full
    const stderr = collect(child.stderr!);
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(await stderr).toContain(
      `Cannot write the checkpoint ${join(ckpt, 'checkpoint.safetensors')}: ENOSPC: no space left on device, write. ` +
        `The previous checkpoint (after epoch 1) is intact: once there is room, continue with --resume --checkpoint ${ckpt}.`,
    );
    expect((await readFile(join(ckpt, 'checkpoint.safetensors'))).equals(before)).toBe(true);
    await expect(lstat(temp)).rejects.toThrow(/ENOENT/);
  });

  it('removes temporary files left by killed runs, and keeps those of running ones', async () => {
    const ckpt = join(dir, 'stale');
    await mkdir(ckpt);
    const stale = join(ckpt, `checkpoint.safetensors.tmp-${await deadPid()}`);
    const live = join(ckpt, `checkpoint.safetensors.tmp-${process.pid}`);
    await writeFile(stale, 'half a checkpoint');
    await writeFile(live, 'being written');
    const r = await wgtrain('train', ...cpuArgs('--checkpoint', ckpt, '--epochs', '1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed ${stale}, left behind by an interrupted run`);
    await expect(lstat(stale)).rejects.toThrow(/ENOENT/);
    await lstat(live);
  });

  it('a second run on the same folder is refused while the first runs; a stale lock is taken over', async () => {
    const ckpt = join(dir, 'locked');
    // Epochs of 500 images (CPU_RUN's --limit): long enough to hold the lock while the two
    // refused runs start, short for the one that finishes after SIGTERM and the one resumed.
    const slow = ['--arch', '64-256-256-10', '--epochs', '100'];
    const first = spawnWgtrain('train', ...cpuArgs('--checkpoint', ckpt, ...slow));
    let out = '';
    first.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!/epoch +1\//.test(out)) {
      if (first.exitCode !== null) throw new Error(`the first run ended early: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, ...slow));
    const resumer = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, ...slow, '--resume'));
    expect(first.exitCode, 'the first run was still running').toBeNull();
    first.kill('SIGTERM');
    const [code] = await once(first, 'exit');
    expect(code).toBe(143);
    for (const r of [second, resumer]) {
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain(`Another wgtrain (pid ${first.pid}) is using the checkpoint folder ${ckpt}`);
    }
    await expect(lstat(join(ckpt, 'checkpoint.lock'))).rejects.toThrow(/ENOENT/); // released on exit

    const pid = await deadPid();
    await writeFile(join(ckpt, 'checkpoint.lock'), `${pid}\n`);
    const after = await wgtrainHere('train', ...cpuArgs('--checkpoint', ckpt, ...slow, '--resume', '--epochs', String(Number(/stopped after epoch (\d+)/.exec(out)![1]) + 1)));
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain(`removed a stale lock of process ${pid}, which is no longer running`);
  });
});

describe('signals on the CPU reference', () => {
  it('a second signal quits within a mini-batch or two, even when 50 mini-batches take many seconds', async () => {
    // Mini-batches of a few tenths of a second each: 50 of them take well over the limit below.
    const child = spawnWgtrain('train', ...cpuArgs('--arch', '64-2000-2000-10', '--batch', '20', '--limit', '2500'));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!out.includes('CPU reference')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // into the epoch
    const sent = performance.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await exited;
    clearTimeout(timer);
    expect(signal, 'still running 10 s after the second SIGTERM').toBeNull();
    expect(code).toBe(143);
    expect(performance.now() - sent).toBeLessThan(10_000);
  });
});

describe('device loss', () => {
  it('ends the epoch with a clear error; the checkpoint resumes on the CPU reference', async () => {
    const config: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([784, 32, 10]) }, momentum: 0.5 };
    const train = syntheticSplit(2000, 7);
    const val = syntheticSplit(200, 8);
    const ctx = await openNodeGpu(TEST_ADAPTER); // its own device: this test destroys it
    const gpu = await GpuTrainer.create(ctx, config, train, val);
    await gpu.trainEpoch();
    const data = dataIdentity('synthetic', train, val);
    const saved = decodeCheckpoint(encodeCheckpoint(await takeCheckpoint(gpu, data, [0])));

    const epoch = gpu.trainEpoch();
    ctx.device.destroy(); // mid-epoch
    await expect(epoch).rejects.toThrow(/device was lost \(destroyed/);
    await expect(gpu.trainEpoch()).rejects.toThrow(/device was lost/);

    const cpu = new CpuTrainer(config, train, val);
    await restoreCheckpoint(cpu, saved, data);
    expect(cpu.epoch).toBe(1);
    const r = await cpu.trainEpoch();
    expect(r.epoch).toBe(2);
    expect(r.val.accuracy).toBeGreaterThan(0.5);
  });
});

describe('divergence', () => {
  it('stops at the first non-finite loss, names the mini-batch, and keeps the last good checkpoint', async () => {
    const ckpt = join(dir, 'diverge');
    // Epoch 1 trains at η = 0.05; epoch 2 at η = 5·10⁴, which blows up.
    const r = await wgtrain('train', ...args('--checkpoint', ckpt, '--lr-decay', '1e6', '--momentum', '0', '--activation', 'identity'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Training diverged: the loss became (NaN|Infinity|-Infinity) at mini-batch \d+ of epoch 2\. Try a smaller learning rate \(now 50000\)/);
    expect(r.stderr).toContain(`The checkpoint after epoch 1 in ${ckpt} is intact: continue it with --resume --checkpoint ${ckpt} and a smaller --lr`);
    const kept = decodeCheckpoint(new Uint8Array(await readFile(join(ckpt, 'checkpoint.safetensors'))));
    expect(kept.state.epoch).toBe(1);
    expect(kept.params.every(Number.isFinite)).toBe(true);

    // The advice can be followed: resuming with a constant rate continues from epoch 1.
    const again = await wgtrain('train', ...args('--checkpoint', ckpt, '--lr-decay', '1', '--momentum', '0', '--activation', 'identity', '--resume', '--epochs', '2'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/epoch 2\/2 +loss [\d.]+/);
  });
});
