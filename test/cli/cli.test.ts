/**
 * The wgtrain command as a user runs it: a real child process, on fixture data written to
 * a temporary folder (so no download and no dependence on ../shared). Runs refused before
 * any work, and CPU runs that need no child of their own, run the same command in this
 * process (wgtrainHere): a child's startup cost more than the run.
 */
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/model/layout.ts';
import { loadModel, saveModel } from '../../src/model/model-file.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { writeIdxFolder } from '../data/fixtures.ts';
import { spawnWgtrain, wgtrain, wgtrainHere, wgtrainIn, wgtrainToFile, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';
import { denseNetwork } from '../../src/model/arch.ts';
import { denseSizes } from '../helpers/sizes.ts';
import { configFromFlags, type TrainFlags } from '../../src/cli/options.ts';
import { PRESETS } from '../../src/train/config.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-cli-'));
  await writeSyntheticIdx(dir, 1200); // 8×8 images: any size works, not only 28×28
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = promisify(execFile);

async function collect(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

const common = ['--data', '', '--arch', '64-32-10', '--validation', '200', '--epochs', '3', '--batch', '20', '--lr', '0.2'];
const withData = () => common.map((a) => (a === '' ? dir : a));

describe('wgtrain CLI', () => {
  it('trains on the GPU with --json, saves a model, and eval reads it', async () => {
    const model = join(dir, 'gpu-model');
    const r = await wgtrain('train', ...withData(), '--adapter', TEST_ADAPTER, '--json', '--out', model);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['start', 'epoch', 'epoch', 'epoch', 'summary']);
    expect(lines[0].device).toBe('gpu');
    const summary = lines[4];
    expect(summary.valAccuracy).toBeGreaterThan(0.8);
    expect(summary.val).toEqual({ count: 200, correct: Math.round(200 * summary.valAccuracy), accuracy: summary.valAccuracy, loss: expect.any(Number) });
    expect(summary.test).toBeNull();
    expect(summary.model).toBe(`${model}.safetensors`);
    expect(lines[0]).toMatchObject({ dataset: dir.split('/').pop(), source: dir, test: null, fallback: null });
    expect(r.stderr).toContain('no test set');

    const saved = loadModel(new Uint8Array(await readFile(`${model}.safetensors`)));
    expect(denseSizes(saved.spec)).toEqual([64, 32, 10]);

    const e = await wgtrainHere('eval', `${model}.safetensors`, '--data', dir, '--validation', '200', '--device', 'cpu', '--json');
    expect(e.code, e.stderr).toBe(0);
    const result = JSON.parse(e.stdout);
    expect(result.accuracy).toBeCloseTo(summary.valAccuracy, 6);
    expect(result.correct).toBe(summary.val.correct);
    expect(result).toMatchObject({ count: 200, source: dir });
    expect(result.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(200);
  });

  it('trains on the CPU reference in text mode, saves the model under runs/ without overwriting, and ends with the eval command for it', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'wgtrain-cwd-'));
    try {
      const r = await wgtrainIn(cwd, 'train', ...withData(), '--device', 'cpu', '--epochs', '1');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/epoch 1\/1 +loss [\d.]+ +train [\d.]+% +val loss [\d.]+ +val [\d.]+%/);
      expect(r.stdout).toContain('CPU reference');
      const last = r.stdout.trim().split('\n').at(-1)!;
      expect(last).toMatch(/^saved runs\/wgtrain-64-32-10\.safetensors .*--no-out skips saving.*; measure it with: wgtrain eval /);
      // The hint is a command that works as printed, on the same validation images.
      const hint = last.split('measure it with: wgtrain ')[1].split(' ');
      const e = await wgtrainIn(cwd, ...hint, '--device', 'cpu');
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toMatch(/validation split \(no test set found\): \d+\/200 correct/);

      const again = await wgtrainIn(cwd, 'train', ...withData(), '--device', 'cpu', '--epochs', '1');
      expect(again.stdout).toContain('saved runs/wgtrain-64-32-10-2.safetensors');
      const skipped = await wgtrainIn(cwd, 'train', ...withData(), '--device', 'cpu', '--epochs', '1', '--no-out');
      expect(skipped.stdout.trim().split('\n').at(-1)).toMatch(/^not saved \(--no-out\)/);
      expect((await readdir(join(cwd, 'runs'))).sort()).toEqual(['wgtrain-64-32-10-2.safetensors', 'wgtrain-64-32-10.safetensors']);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('names dropout in the header when the run uses it, the preset\'s or --dropout', async () => {
    const r = await wgtrainHere('train', ...withData(), '--device', 'cpu', '--epochs', '1', '--dropout', '0.25', '--no-out');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/^ {2}batch \d+, .*, L2 [\d.e-]+, dropout 0\.25, SGD/m);
    const none = await wgtrainHere('train', ...withData(), '--device', 'cpu', '--epochs', '1', '--no-out');
    expect(none.stdout + none.stderr).not.toContain('dropout');
  });

  it('says in the header that a test set was found, and reports its count, correct answers and loss', async () => {
    const withTest = join(dir, 'with-test');
    await writeIdxFolder(withTest, { train: 30, test: 7 }); // 5×4 images
    const args = ['train', '--data', withTest, '--arch', '20-10', '--validation', '10', '--epochs', '1', '--batch', '5', '--device', 'cpu', '--no-out'];
    const text = await wgtrainHere(...args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('test set: 7 images (t10k files), measured once training ends');
    expect(text.stdout).toMatch(/test accuracy [\d.]+% \(\d of 7, loss [\d.]+\)/);
    const json = await wgtrainHere(...args, '--json');
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].test).toBe(7);
    expect(lines.at(-1).test).toEqual({ count: 7, correct: expect.any(Number), accuracy: lines.at(-1).testAccuracy, loss: expect.any(Number) });
  });

  it('refuses impossible configurations before any work, saying what to change', async () => {
    const wrongInput = await wgtrainHere('train', ...withData(), '--arch', '784-30-10', '--device', 'cpu');
    expect(wrongInput.code).toBe(1);
    expect(wrongInput.stderr).toContain('the images have 64 pixels: start the architecture with 64');
    const badLr = await wgtrainHere('train', ...withData(), '--lr', '-1', '--device', 'cpu');
    expect(badLr.stderr).toContain('learning rate -1 must be a positive number');
    const bigBatch = await wgtrainHere('train', ...withData(), '--batch', '5000', '--device', 'cpu');
    expect(bigBatch.stderr).toContain('use --batch 1000 or less');
    const badArch = await wgtrainHere('train', ...withData(), '--arch', '64-x-10');
    expect(badArch.stderr).toMatch(/Architecture "[^"]*", token "[^"]*": not a layer/);
    const missing = await wgtrainHere('train', '--data', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
  });

  it('stops with a clear message when training diverges', async () => {
    const r = await wgtrain('train', ...withData(), '--activation', 'identity', '--lr', '1e30', '--adapter', TEST_ADAPTER);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Training diverged: the loss became (NaN|Infinity) at mini-batch \d+ of epoch 1\. Try a smaller learning rate/);
  });

  it('checks --out and --checkpoint before any training, naming the path and what is wrong', async () => {
    const aFile = join(dir, 'a-file');
    await writeFile(aFile, 'x');
    await mkdir(join(dir, 'taken.safetensors'));
    const cases: [string[], string][] = [
      [['--out', join(dir, 'no-such-folder', 'm')], `--out ${join(dir, 'no-such-folder', 'm.safetensors')}: the folder ${join(dir, 'no-such-folder')} does not exist`],
      [['--out', join(dir, 'taken')], `--out ${join(dir, 'taken.safetensors')} is a folder`],
      [['--out', join(aFile, 'm')], `--out ${join(aFile, 'm.safetensors')}: ${aFile} is a file, not a folder`],
      [['--checkpoint', aFile], `--checkpoint ${aFile} is a file, not a folder`],
      [['--checkpoint', join(aFile, 'ckpt')], `--checkpoint ${join(aFile, 'ckpt')}: ${aFile} is a file, not a folder`],
    ];
    const results = await Promise.all(cases.map(([extra]) => wgtrainHere('train', ...withData(), '--device', 'cpu', ...extra)));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).toBe(1);
      expect(r.stderr).toContain(cases[i][1]);
      expect(r.stdout).not.toMatch(/epoch \d\//);
    });
  });

  it('when the model cannot be written at the end, keeps it in a temporary file and says where', async () => {
    const out = join(dir, 'full-disk.safetensors');
    const child = spawnWgtrain('train', ...withData(), '--device', 'cpu', '--epochs', '1', '--out', out);
    // The write goes to OUT.tmp-<pid> first: make that a disk that is always full.
    const temp = `${out}.tmp-${child.pid}`;
    await symlink('/dev/full', temp);
    const [stdout, stderr] = [collect(child.stdout!), collect(child.stderr!)];
    const [code] = await once(child, 'exit');
    expect(code, await stdout).toBe(1);
    const message = await stderr;
    expect(message).toContain(`Cannot write the model ${out}: ENOSPC`);
    const kept = /The trained model is in (\S+\.safetensors) instead/.exec(message)?.[1];
    expect(kept, message).toBeDefined();
    expect(denseSizes(loadModel(new Uint8Array(await readFile(kept!))).spec)).toEqual([64, 32, 10]);
    await rm(kept!);
    await expect(lstat(temp)).rejects.toThrow(/ENOENT/); // the temporary file is gone
    await expect(lstat(out)).rejects.toThrow(/ENOENT/);
  });

  it('with --checkpoint, a failed final write points to the checkpoint, and --resume writes the model without training', async () => {
    const out = join(dir, 'full-disk-2.safetensors');
    const ckpt = join(dir, 'final-ckpt');
    const child = spawnWgtrain('train', ...withData(), '--device', 'cpu', '--epochs', '1', '--out', out, '--checkpoint', ckpt);
    await symlink('/dev/full', `${out}.tmp-${child.pid}`);
    const stderr = collect(child.stderr!);
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(await stderr).toContain(
      `The trained weights are safe in ${join(ckpt, 'checkpoint.safetensors')}: once ${out} can be written, run the same command with --resume to write it without training.`,
    );
    const again = await wgtrainHere('train', ...withData(), '--device', 'cpu', '--epochs', '1', '--out', out, '--checkpoint', ckpt, '--resume');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/epoch \d\//);
    expect(denseSizes(loadModel(new Uint8Array(await readFile(out))).spec)).toEqual([64, 32, 10]);
  });

  it('eval and data name the file or folder that is wrong, and advise only what helps', async () => {
    const folder = join(dir, 'a-folder.safetensors');
    await mkdir(folder);
    const isFolder = await wgtrainHere('eval', folder, '--data', dir, '--validation', '200', '--device', 'cpu');
    expect(isFolder.code).toBe(1);
    expect(isFolder.stderr).toContain(`Cannot read the model ${folder}: it is a folder, not a model file.`);
    expect(isFolder.stderr).not.toContain('Train one');
    const missing = await wgtrainHere('eval', join(dir, 'nothing.safetensors'), '--data', dir, '--device', 'cpu');
    expect(missing.stderr).toContain(`Train one with \`wgtrain train --out ${join(dir, 'nothing.safetensors')}\``);

    const wide = join(dir, 'wide.safetensors');
    const spec: ModelSpec = { ...denseNetwork([784, 8, 10]), activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' };
    await writeFile(wide, saveModel(spec, new Float32Array(paramLayout(spec).total)));
    const misfit = await wgtrainHere('eval', wide, '--data', dir, '--validation', '200', '--device', 'cpu');
    expect(misfit.code).toBe(1);
    expect(misfit.stderr).toContain(`The model ${wide} (784-8-10`);
    expect(misfit.stderr).toContain(`does not fit the data in ${dir}: the network takes 784 inputs but the images have 64 pixels`);
    expect(misfit.stderr).not.toContain('Cannot train');

    const aFile = join(dir, 'not-a-folder');
    await writeFile(aFile, 'x');
    const data = await wgtrainHere('data', 'mnist', '--dir', aFile, '--mirror', 'http://127.0.0.1:9/');
    expect(data.code).toBe(1);
    expect(data.stderr).toContain(`--dir ${aFile} is a file, not a folder: name a folder to download MNIST into.`);
    expect(data.stderr).not.toContain('EEXIST');
  });

  it('eval refuses a FIFO, a file too large to read, and a model with non-finite weights, before using them', async () => {
    const fifo = join(dir, 'pipe.safetensors');
    await run('mkfifo', [fifo]);
    const big = join(dir, 'huge.safetensors');
    await writeFile(big, '');
    await truncate(big, 2.5e9); // sparse: no disk space used
    const nan = join(dir, 'nan.safetensors');
    const spec: ModelSpec = { ...denseNetwork([64, 8, 10]), activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' };
    const params = new Float32Array(paramLayout(spec).total);
    params[3] = NaN;
    await writeFile(nan, saveModel(spec, params));
    const [r1, r2, r3] = await Promise.all([fifo, big, nan].map((m) => wgtrainHere('eval', m, '--data', dir, '--validation', '200', '--device', 'cpu')));
    expect(r1.stderr).toContain(`Cannot read the model ${fifo}: it is not a regular file.`);
    expect(r2.stderr).toContain(`Cannot read the model ${big}: it is 2,500,000,000 bytes, more than a model file can be (at most 2,147,483,647).`);
    expect(r3.stderr).toContain(`${nan}: invalid safetensors file: tensor layers.0.weight holds NaN at index 3; a model holds only finite numbers`);
    for (const r of [r1, r2, r3]) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('Train one');
    }
  });

  it('refuses a network too large to allocate with the limits message, on both devices', async () => {
    // The GPU's run in a child: opening a device redirects stderr (src/cli/native-stderr.node.ts).
    for (const [device, run] of [[['--device', 'cpu'], wgtrainHere], [['--adapter', TEST_ADAPTER], wgtrain]] as const) {
      const r = await run('train', ...withData(), '--arch', '64-1000000000-10', ...device);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/This network has 75,000,000,\d+ parameters: \d+ GiB .* more than this machine can hold .*: use a smaller network\./);
      expect(r.stderr).not.toContain('Invalid typed array length');
    }
  });

  it('answers a mistyped option with its suggestion and one line on --help, not the whole help', async () => {
    const r = await wgtrainHere('train', '--epoch', '1');
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual(["error: unknown option '--epoch'", '(Did you mean --epochs?)', '(wgtrain COMMAND --help lists its options)']);
  });

  it('accepts plain decimal numbers only, and seeds that are whole 32-bit numbers', async () => {
    // The options' own parsers, in this process (a child per case cost 1–2 s of startup each).
    const parsed: [TrainFlags, string][] = [
      [{ arch: '64-1e2-10' }, 'Architecture "64-1e2-10", token "1e2": not a layer'],
      [{ arch: '64-0x20-10' }, 'Architecture "64-0x20-10", token "0x20": not a layer'],
      [{ l2: 'Infinity' }, '--l2 must be a decimal number, got "Infinity".'],
      [{ batch: '2e1' }, '--batch must be a whole number written in digits, without leading zeros, got "2e1".'],
      [{ epochs: '1.5' }, '--epochs must be a whole number written in digits, without leading zeros, got "1.5".'],
      [{ seed: '1.5' }, '--seed must be a whole number written in digits, without leading zeros, got "1.5".'],
      [{ seed: '4294967297' }, '--seed 4294967297 is out of range: seeds are 0 to 4294967295.'],
    ];
    for (const [flags, message] of parsed) expect(() => configFromFlags(flags), JSON.stringify(flags)).toThrow(message);
    // And through the command: one option of the configuration, and the two of the data split.
    const cases: [string[], string][] = [
      [['--lr', '0x10'], '--lr must be a decimal number, got "0x10".'],
      [['--validation', '0x10'], '--validation 0x10 must be a whole number from 1 to'],
      [['--limit', '1e3'], '--limit 1e3 must be a whole number from 1 to'],
    ];
    const results = await Promise.all(cases.map(([extra]) => wgtrainHere('train', ...withData(), '--device', 'cpu', '--epochs', '1', ...extra)));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i][0].join(' ')}: ${r.stdout}`).toBe(1);
      expect(r.stderr).toContain(cases[i][1]);
    });
  });

  // `devices --json` twice, quiet and --verbose, with stderr a file as with `2> log` (a terminal
  // or a shell pipe behaves the same: src/cli/native-stderr.node.ts); both tests read them.
  let devicesRuns: Promise<[Awaited<ReturnType<typeof wgtrainToFile>>, Awaited<ReturnType<typeof wgtrainToFile>>]> | undefined;
  const devices = () => (devicesRuns ??= Promise.all([wgtrainToFile('devices', '--json'), wgtrainToFile('devices', '--json', '--verbose')]));

  // Whatever adapters this machine has (llvmpipe, a GPU, none): only the shape of the answer is fixed.
  it('lists devices', async () => {
    const [r] = await devices();
    expect(r.code, r.stderr).toBe(0);
    const adapters = JSON.parse(r.stdout);
    expect(Array.isArray(adapters)).toBe(true);
    for (const a of adapters) {
      expect(['default', 'opengl', 'vulkan']).toContain(a.backend);
      expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    }
  });

  it("keeps Dawn's own warnings out of normal output, and shows them with --verbose", async () => {
    const [quiet, verbose] = await devices();
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe(verbose.stdout);
    // On this project's machines Dawn warns about Vulkan (no driver, or no libvulkan) and lowered limits; elsewhere it may say nothing.
    const dawnWarnings = verbose.stderr.split('\n').filter((l) => l.startsWith('Warning:'));
    for (const line of dawnWarnings) expect(quiet.stderr).not.toContain(line);
    expect(quiet.stderr).not.toMatch(/vkCreateInstance|VK_ERROR_INCOMPATIBLE_DRIVER|Couldn't load Vulkan|artificially reduced/);
  });

  it('prints its version with --version, and train --help names every preset', async () => {
    const [version, help] = await Promise.all([wgtrain('--version'), wgtrain('train', '--help')]);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version.stdout.trim()).toBe(pkg.version);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const name of Object.keys(PRESETS)) expect(text).toMatch(new RegExp(`presets:.*\\b${name} \\(`));
  });

  it('describes eval\'s own options in eval --help', async () => {
    const r = await wgtrainHere('eval', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/--limit|train on|where to train/);
    expect(r.stdout).toMatch(/--device <device> +where to run the model/);
    expect(r.stdout).toMatch(/--validation <n> +without a test set: measure on the last n training images/);
    expect(r.stdout).toContain('--verbose');
  });
});
