/**
 * A model trained by the CLI, loaded into the page through its file input: the page must
 * measure the accuracy the CLI saved with it on the same validation images, and classify
 * digits drawn with the mouse. Needs real MNIST (the shared folder, or WGTRAIN_MNIST_DIR).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnistDir, repoRoot } from '../data/fixtures.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { BY_POINT, DIGIT_STROKES, drawStrokes, pageUrl, prediction, waitForData } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

const mnist = mnistDir();
const VALIDATION = '1000';

let site: Site;
let browser: Browser;
let dir: string;
let modelFile: string;

describe.skipIf(!mnist.dir)(`a CLI-trained model in the page ${mnist.reason}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-cli-model-'));
    modelFile = join(dir, 'cli-784-32-10.safetensors');
    const train = promisify(execFile)(
      'node',
      [
        join(repoRoot, 'bin', 'wgtrain.js'), 'train', '--data', mnist.dir!, '--arch', '784-32-10', '--epochs', '2', '--limit', '10000',
        '--validation', VALIDATION, '--device', 'cpu', '--out', modelFile,
      ],
      { cwd: repoRoot, timeout: 120_000 },
    );
    [site, browser] = await Promise.all([startSite(mnist.dir!), launch({ webgpu: true, viewport: { width: 1280, height: 800 } })]);
    await train;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads the model from a file and measures the validation accuracy the CLI saved with it', async () => {
    const { page } = browser;
    await page.goto(pageUrl(site.url, { validation: VALIDATION }));
    await waitForData(page);
    await page.setInputFiles('#model-file', modelFile);
    await page.locator('#inside-status[data-accuracy]').waitFor({ timeout: 60_000 });
    expect(await page.textContent('#model-status')).toMatch(/^Loaded cli-784-32-10\.safetensors: 784-32-10 relu, cross-entropy loss, trained on CPU reference/);
    const saved = Number(await page.getAttribute('#model-status', 'data-saved-accuracy'));
    const measured = Number(await page.getAttribute('#inside-status', 'data-accuracy'));
    expect(saved).toBeGreaterThan(0.85);
    // The page evaluates on the GPU, the CLI on the CPU: an image on a near-tie may go either way.
    expect(Math.abs(measured - saved)).toBeLessThanOrEqual(0.002);
    expect(await page.locator('#confusion tbody td').count()).toBe(100);
    // The rest of the page follows the loaded model: the form shows its network, the Training card names it.
    expect(await page.inputValue('input[name="arch"]')).toBe('784-32-10');
    expect(await page.inputValue('select[name="activation"]')).toBe('relu');
    expect(await page.textContent('#run-status')).toMatch(/^Showing cli-784-32-10\.safetensors \(784-32-10 relu, cross-entropy loss\)/);
    expect(browser.errors).toEqual([]);
  });

  it.each(['1', '0', '7'])('classifies a %s drawn with the mouse', async (digit) => {
    const { page } = browser;
    await page.click('#clear-drawing');
    await drawStrokes(page, DIGIT_STROKES[digit], BY_POINT);
    const p = await prediction(page);
    expect(p.text).toContain('model from cli-784-32-10.safetensors');
    expect(p.digit, `probabilities ${p.values.map((v) => v.toFixed(3)).join(' ')}`).toBe(Number(digit));
    expect(browser.errors).toEqual([]);
  });
});
