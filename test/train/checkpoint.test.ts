/**
 * Interrupted runs lose nothing: a real child process killed by a real signal after epoch 2
 * and resumed ends with weights bit-identical to a run that was never interrupted; a lost
 * device ends the run with a clear message and the checkpoint resumes on the CPU.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { openNodeGpu } from '../../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { loadModel } from '../../src/model/model-file.ts';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint, takeCheckpoint } from '../../src/train/checkpoint.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { spawnWgtrain, wgtrain, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';

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
    const r = await wgtrain('train', ...args('--checkpoint', ckpt, '--resume', '--validation', '400'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The checkpoint belongs to a different run: the data');
    const missing = await wgtrain('train', ...args('--checkpoint', join(dir, 'none'), '--resume'));
    expect(missing.stderr).toContain('No checkpoint to resume from');
  });
});

describe('device loss', () => {
  it('ends the epoch with a clear error; the checkpoint resumes on the CPU reference', async () => {
    const config: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, sizes: [784, 32, 10] }, momentum: 0.5 };
    const train = syntheticSplit(2000, 7);
    const val = syntheticSplit(200, 8);
    const ctx = await openNodeGpu(TEST_ADAPTER); // its own device: this test destroys it
    const gpu = await GpuTrainer.create(ctx, config, train, val);
    await gpu.trainEpoch();
    const data = { source: 'synthetic', train: train.count, val: val.count };
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
    const kept = decodeCheckpoint(new Uint8Array(await readFile(join(ckpt, 'checkpoint.safetensors'))));
    expect(kept.state.epoch).toBe(1);
    expect(kept.params.every(Number.isFinite)).toBe(true);
  });
});
