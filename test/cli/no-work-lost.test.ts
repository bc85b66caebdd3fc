/**
 * Issue 18's cases, as the commands that showed them: a fresh run over a checkpoint, a stop
 * in the last epoch, --out naming the checkpoint, checkpoint and model files that are not
 * files (a FIFO, /dev/zero, a sparse giant), names too long for the temporary file, and the
 * small ones. All on the CPU reference, with tiny networks on 8×8 images. Runs that need no
 * process of their own (no signal, no deadline) run the command in this process (wgtrainHere).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { readSafetensors } from '../../src/model/safetensors.ts';
import { configFromFlags } from '../../src/cli/options.ts';
import { BIN, spawnWgtrain, wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';
import { repoRoot } from '../data/fixtures.ts';
import { denseSizes } from '../helpers/sizes.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-nwl-'));
  await writeSyntheticIdx(dir, 1200);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const exec = promisify(execFile);
const cpu = (...extra: string[]) => ['--data', dir, '--validation', '200', '--batch', '20', '--lr', '0.1', '--device', 'cpu', ...extra];

/** The command with a deadline: killed (status null) if it runs longer, as a hang would. */
async function within(ms: number, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn('node', [BIN, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - t0 };
}

const oneLine = (stderr: string) => stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:'));

/** A safetensors file whose header describes these F32 tensors, its data all zeros and sparse (no disk used). */
async function sparseSafetensors(path: string, tensors: { name: string; shape: number[] }[], metadata: Record<string, string>): Promise<number> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = 4 * t.shape.reduce((a, b) => a * b, 1);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const start = Buffer.alloc(8 + padded, 0x20);
  start.writeUInt32LE(padded, 0);
  start.writeUInt32LE(0, 4);
  json.copy(start, 8);
  await writeFile(path, start);
  await truncate(path, 8 + padded + offset);
  return 8 + padded + offset;
}

describe('1. a fresh run over a checkpoint', () => {
  it('is refused, naming the epoch, network and date, unless --resume or --overwrite', async () => {
    const ow = join(dir, 'ow');
    const first = await wgtrainHere('train', ...cpu('--arch', '64-24-10', '--epochs', '2', '--checkpoint', ow, '--no-out'));
    expect(first.code, first.stderr).toBe(0);
    const before = await readFile(join(ow, 'checkpoint.safetensors'));
    const again = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--checkpoint', ow, '--no-out'));
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toHaveLength(1);
    expect(again.stderr).toMatch(
      new RegExp(`--checkpoint ${ow} already holds a checkpoint \\(epoch 2 of 2, network 64-24-10, saved \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\): continue it with --resume, start again over it with --overwrite, or name a new folder\\.`),
    );
    expect((await readFile(join(ow, 'checkpoint.safetensors'))).equals(before)).toBe(true);
    const both = await wgtrainHere('train', ...cpu('--checkpoint', ow, '--resume', '--overwrite', '--no-out'));
    expect(both.stderr).toContain('--resume and --overwrite contradict each other');
    const over = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--checkpoint', ow, '--no-out', '--overwrite'));
    expect(over.code, over.stderr).toBe(0);
    const meta = readSafetensors(new Uint8Array(await readFile(join(ow, 'checkpoint.safetensors')))).metadata;
    expect(denseSizes(JSON.parse(meta.config).model)).toEqual([64, 8, 10]);
  });
});

describe('2. a stop without --checkpoint', () => {
  const slow = ['--arch', '64-600-600-10', '--batch', '5', '--limit', '300'];
  async function stopDuringEpoch1(epochs: string, out: string): Promise<{ code: number; out: string }> {
    const child = spawnWgtrain('train', ...cpu(...slow, '--epochs', epochs, '--out', out));
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      if (/^ {2}CPU/m.test(text) && !child.killed) child.kill('SIGINT');
    });
    child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
    const [code] = await once(child, 'exit');
    return { code, out: text };
  }

  it('in the last epoch: the run finishes and saves its model as a finished run', async () => {
    const out = join(dir, 'last.safetensors');
    const r = await stopDuringEpoch1('1', out);
    expect(r.out).toMatch(/epoch +1\/1/);
    expect(r.out).toContain(`saved ${out}`);
    expect(r.code, r.out).toBe(0);
    expect(loadModel(new Uint8Array(await readFile(out))).metadata.epochs).toBe('1');
  });

  it('earlier: the weights of the last completed epoch are saved to --out, and it says so', async () => {
    const out = join(dir, 'early.safetensors');
    const r = await stopDuringEpoch1('40', out);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain(`stopped after epoch 1 of 40; the weights after epoch 1 are saved in ${out} (with --checkpoint DIR a stopped run can be continued)`);
    const saved = loadModel(new Uint8Array(await readFile(out)));
    expect(saved.metadata.epochs).toBe('1 of 40 (stopped)');
  });
});

describe('3. --out inside the checkpoint folder', () => {
  it('is refused when it names one of the checkpoint folder\'s own files, directly or through a link', async () => {
    const col = join(dir, 'col');
    await mkdir(col, { recursive: true });
    const link = join(dir, 'link.safetensors');
    await symlink(join(col, 'checkpoint.safetensors'), link);
    for (const out of [join(col, 'checkpoint.safetensors'), join(col, 'checkpoint'), join(col, 'checkpoint.lock'), link]) {
      const r = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--checkpoint', col, '--out', out));
      expect(r.code, out).toBe(1);
      expect(r.stderr).toMatch(/^wgtrain: --out .* is the checkpoint folder's own file .*: name a file outside it, or another name in it \(such as .*model\.safetensors\)\.\n$/);
    }
    expect(await readdir(col)).toEqual([]);
  });
});

describe('6. checkpoint reads are guarded', () => {
  it('refuses a FIFO, a link to /dev/zero and a sparse giant at once, and leaves no lock', async () => {
    const cases: [string, (p: string) => Promise<unknown>, RegExp][] = [
      ['fifo', (p) => exec('mkfifo', [p]), /Cannot read the checkpoint .*: it is not a regular file\./],
      ['zero', (p) => symlink('/dev/zero', p), /Cannot read the checkpoint .*: it is not a regular file\./],
      ['sparse', async (p) => {
        await writeFile(p, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')]));
        await truncate(p, 1.9e9);
      }, /invalid safetensors file: 1899999984 trailing bytes after the last tensor's data/],
    ];
    for (const [name, make, message] of cases) {
      const ckpt = join(dir, `bad-${name}`);
      await mkdir(ckpt);
      await make(join(ckpt, 'checkpoint.safetensors'));
      const r = await within(8000, 'train', ...cpu('--arch', '64-8-10', '--checkpoint', ckpt, '--resume', '--no-out'));
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(oneLine(r.stderr)).toHaveLength(1);
      await expect(lstat(join(ckpt, 'checkpoint.lock'))).rejects.toThrow(/ENOENT/);
    }
  });
});

describe('7. eval checks the network from the header before reading the tensors', () => {
  it('refuses a 2 GB model that does not fit the data within seconds, with advice for eval', async () => {
    const model = join(dir, 'wide.safetensors');
    const spec = { sizes: [784, 670000, 10], activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'he' };
    const size = await sparseSafetensors(model, [
      { name: 'layers.0.weight', shape: [784, 670000] }, { name: 'layers.0.bias', shape: [670000] },
      { name: 'layers.1.weight', shape: [670000, 10] }, { name: 'layers.1.bias', shape: [10] },
    ], { format: 'wgtrain', spec: JSON.stringify(spec) });
    expect(size).toBeGreaterThan(2.1e9);
    expect(size).toBeLessThan(2 ** 31 - 1);
    const r = await within(10_000, 'eval', model, '--data', dir, '--validation', '200', '--device', 'cpu');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`The model ${model} (784-670000-10`);
    expect(r.stderr).toContain('the network takes 784 inputs but the images have 64 pixels');
    expect(r.stderr).not.toMatch(/training images|--batch|start the architecture/);
    expect(r.ms).toBeLessThan(8000);
  });
});

describe('8 and 10. --out names that cannot be written', () => {
  it('refuses, before training, a name too long for its temporary file, an empty name and a device', async () => {
    const long = join(dir, `${'a'.repeat(240)}.safetensors`); // 252 characters: fits, but not with .tmp-<pid>
    const cases: [string, RegExp][] = [
      [long, /--out .*: the name is too long for this file system once the temporary file's suffix \(\.tmp-\d+\) is added: use a shorter name\./],
      ['', /--out needs a file name \(or use --no-out to skip saving\)\./],
      ['/dev/null', /--out \/dev\/null is not a regular file: name a file to write the model to \(or use --no-out to skip saving\)\./],
    ];
    for (const [out, message] of cases) {
      const r = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--out', out));
      expect(r.code, out).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toContain('epoch 1/1');
    }
    await expect(lstat('/dev/null.safetensors')).rejects.toThrow(/ENOENT/);
  });
});

describe('10. the small ones', () => {
  it('refuses out-of-range numbers by what is wrong, leading zeros everywhere, and Adam options without Adam', async () => {
    const cases: [string[], string][] = [
      [['--lr', '1e400'], '--lr 1e400 is too large: numbers go up to about 1.8e308.'],
      [['--lr', '1e-400'], '--lr 1e-400 is too small: it rounds to 0 (numbers go down to about 5e-324).'],
      [['--seed', '01'], '--seed must be a whole number written in digits, without leading zeros, got "01".'],
      [['--beta1', '0.8'], '--beta1 applies to Adam and AdamW only, and this run uses sgd: add --optimizer adam (or adamw), or leave it out.'],
      [['--beta2', '0.9', '--eps', '1e-7', '--momentum', '0.5'], '--beta2, --eps apply to Adam and AdamW only, and this run uses momentum: add --optimizer adam (or adamw), or leave them out.'],
    ];
    for (const [flags, message] of cases) {
      const f: Record<string, string> = {};
      for (let i = 0; i < flags.length; i += 2) f[flags[i].slice(2)] = flags[i + 1];
      expect(() => configFromFlags(f), flags.join(' ')).toThrow(message);
    }
    const zero = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--no-out', '--limit', '0500'));
    expect(zero.stderr).toContain('--limit 0500 must be a whole number from 1 to');
  });

  it('on resume, accepts the checkpoint\'s own settings restated, and calls a changed label a changed label', async () => {
    const ckpt = join(dir, 'restate');
    const first = await wgtrainHere('train', ...cpu('--arch', '64-8-10', '--epochs', '1', '--checkpoint', ckpt, '--no-out'));
    expect(first.code, first.stderr).toBe(0);
    const again = await wgtrainHere('train', ...cpu('--epochs', '2', '--checkpoint', ckpt, '--resume', '--no-out', '--momentum', '0', '--optimizer', 'sgd', '--dropout', '0'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('after epoch 1');

    const relabelled = join(dir, 'relabelled');
    await mkdir(relabelled);
    await writeSyntheticIdx(relabelled, 1200);
    const labels = await readFile(join(relabelled, 'train-labels-idx1-ubyte'));
    labels[8 + 3] = (labels[8 + 3] + 1) % 10;
    await writeFile(join(relabelled, 'train-labels-idx1-ubyte'), labels);
    const other = await wgtrainHere('train', ...cpu('--epochs', '3', '--checkpoint', ckpt, '--resume', '--no-out', '--data', relabelled));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/the training images or labels \(SHA-256 [0-9a-f]{12}… in the checkpoint, [0-9a-f]{12}… now, 1000 images each\) differ/);
  });

  it('SIGINT while the data loads says so, exits 130 and leaves no lock', async () => {
    const ckpt = join(dir, 'early-signal');
    const child = spawnWgtrain('train', ...cpu('--arch', '64-8-10', '--epochs', '5', '--checkpoint', ckpt, '--no-out'));
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
    while (child.exitCode === null && !(await lstat(join(ckpt, 'checkpoint.lock')).catch(() => null))) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code, text).toBe(130);
    expect(text).toMatch(/SIGINT before training began: stopped; nothing was trained, so nothing is lost\.|stopped after epoch 1/);
    await expect(lstat(join(ckpt, 'checkpoint.lock'))).rejects.toThrow(/ENOENT/);
  });
});
