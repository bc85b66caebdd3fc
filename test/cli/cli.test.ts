/**
 * The wgtrain command as a user runs it: a real child process, on fixture data written to
 * a temporary folder (so no download and no dependence on ../shared).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { writeIdxFolder } from '../data/fixtures.ts';
import { wgtrain, wgtrainIn, wgtrainToFile, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-cli-'));
  await writeSyntheticIdx(dir, 1200); // 8×8 images: any size works, not only 28×28
});
afterAll(() => rm(dir, { recursive: true, force: true }));

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
    expect(saved.spec.sizes).toEqual([64, 32, 10]);

    const e = await wgtrain('eval', `${model}.safetensors`, '--data', dir, '--validation', '200', '--device', 'cpu', '--json');
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

  it('says in the header that a test set was found, and reports its count, correct answers and loss', async () => {
    const withTest = join(dir, 'with-test');
    await writeIdxFolder(withTest, { train: 30, test: 7 }); // 5×4 images
    const args = ['train', '--data', withTest, '--arch', '20-10', '--validation', '10', '--epochs', '1', '--batch', '5', '--device', 'cpu', '--no-out'];
    const text = await wgtrain(...args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('test set: 7 images (t10k files), measured once training ends');
    expect(text.stdout).toMatch(/test accuracy [\d.]+% \(\d of 7, loss [\d.]+\)/);
    const json = await wgtrain(...args, '--json');
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].test).toBe(7);
    expect(lines.at(-1).test).toEqual({ count: 7, correct: expect.any(Number), accuracy: lines.at(-1).testAccuracy, loss: expect.any(Number) });
  });

  it('refuses impossible configurations before any work, saying what to change', async () => {
    const wrongInput = await wgtrain('train', ...withData(), '--arch', '784-30-10', '--device', 'cpu');
    expect(wrongInput.code).toBe(1);
    expect(wrongInput.stderr).toContain('the images have 64 pixels: start the architecture with 64');
    const badLr = await wgtrain('train', ...withData(), '--lr', '-1', '--device', 'cpu');
    expect(badLr.stderr).toContain('learning rate -1 must be a positive number');
    const bigBatch = await wgtrain('train', ...withData(), '--batch', '5000', '--device', 'cpu');
    expect(bigBatch.stderr).toContain('use --batch 1000 or less');
    const badArch = await wgtrain('train', ...withData(), '--arch', '64-x-10');
    expect(badArch.stderr).toContain('is not a list of at least two positive whole numbers');
    const missing = await wgtrain('train', '--data', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
  });

  it('stops with a clear message when training diverges', async () => {
    const r = await wgtrain('train', ...withData(), '--activation', 'identity', '--lr', '1e30', '--adapter', TEST_ADAPTER);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Training diverged: the loss became (NaN|Infinity) at mini-batch \d+ of epoch 1\. Try a smaller learning rate/);
  });

  // Whatever adapters this machine has (llvmpipe, a GPU, none): only the shape of the answer is fixed.
  it('lists devices', async () => {
    const r = await wgtrain('devices', '--json');
    expect(r.code, r.stderr).toBe(0);
    const adapters = JSON.parse(r.stdout);
    expect(Array.isArray(adapters)).toBe(true);
    for (const a of adapters) {
      expect(['default', 'opengl', 'vulkan']).toContain(a.backend);
      expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    }
  });

  // stderr is a file here, as with `2> log`; a terminal or a shell pipe behaves the same (src/cli/native-stderr.node.ts).
  it("keeps Dawn's own warnings out of normal output, and shows them with --verbose", async () => {
    const verbose = await wgtrainToFile('devices', '--verbose');
    const quiet = await wgtrainToFile('devices');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe(verbose.stdout);
    // On this project's machines Dawn warns about Vulkan (no driver, or no libvulkan) and lowered limits; elsewhere it may say nothing.
    const dawnWarnings = verbose.stderr.split('\n').filter((l) => l.startsWith('Warning:'));
    for (const line of dawnWarnings) expect(quiet.stderr).not.toContain(line);
    expect(quiet.stderr).not.toMatch(/vkCreateInstance|VK_ERROR_INCOMPATIBLE_DRIVER|Couldn't load Vulkan|artificially reduced/);
  });

  it('describes eval\'s own options in eval --help', async () => {
    const r = await wgtrain('eval', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/--limit|train on|where to train/);
    expect(r.stdout).toMatch(/--device <device> +where to run the model/);
    expect(r.stdout).toMatch(/--validation <n> +without a test set: measure on the last n training images/);
    expect(r.stdout).toContain('--verbose');
  });
});
