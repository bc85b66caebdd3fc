/**
 * Convolutional networks in the page, in headless Chromium with WebGPU on SwiftShader and
 * real MNIST: the architecture field takes the layer syntax and names a bad token, a small
 * CNN trains on the GPU, "Look inside" shows its first filters and the feature maps of a
 * drawing, the model saves and loads back, and the convolution playground runs on the GPU
 * with output sizes and pixel values that match the CPU twins (src/cpu/conv.ts convolve2d,
 * the notes' definition).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convolve2d } from '../../src/cpu/conv.ts';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { NOTE_KERNELS } from '../../web/worker/conv-playground.ts';
import { mnistDir, repoRoot } from '../data/fixtures.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { BY_POINT, DIGIT_STROKES, drawStrokes, pageUrl, prediction, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

const mnist = mnistDir();
const SCREENSHOTS = join(repoRoot, 'test-results');
const ARCH = '1x28x28-conv4k5p2-pool2-32-10';
/** Small enough for SwiftShader on two shared cores: 40 Adam steps of 50 images. */
const CNN_RUN = { preset: 'lenet5', arch: ARCH, epochs: '1', limit: '2000', validation: '1000', batch: '50', lr: '0.003' };
/** float32 on the GPU against float64 on the CPU: sums of at most 25 products of values ≤ 1. */
const ATOL = 1e-5;

let site: Site;
let browser: Browser;
let downloads: string;

describe.skipIf(!mnist.dir)(`a CNN in the page, and the convolution playground ${mnist.reason}`, () => {
  beforeAll(async () => {
    site = await startSite(mnist.dir!);
    browser = await launch({ webgpu: true, viewport: { width: 1280, height: 900 } });
    downloads = await mkdtemp(join(tmpdir(), 'wgtrain-downloads-'));
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  it('fills the form from ?preset=lenet5 with the layer syntax and Adam, and names a bad token in the architecture', async () => {
    const { page } = browser;
    await page.goto(pageUrl(site.url, { preset: 'lenet5' }));
    expect(await page.inputValue('[name="arch"]')).toBe('1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10');
    expect(await page.inputValue('[name="optimizer"]')).toBe('adam');
    expect(await page.isDisabled('[name="momentum"]')).toBe(true);
    expect(await page.locator('[name="preset"] option').allTextContents()).toEqual(expect.arrayContaining(['lenet5', 'cnn']));

    await page.fill('[name="arch"]', '1x28x28-conv6k5p2-pol2-10');
    expect(await page.isVisible('#arch-error')).toBe(true);
    expect(await page.textContent('#arch-error')).toContain('token "pol2"');
    expect(await page.getAttribute('[name="arch"]', 'aria-invalid')).toBe('true');
    await page.fill('[name="arch"]', '1x28x28-conv6k29-10');
    expect(await page.textContent('#arch-error')).toContain('token "conv6k29"');
    await waitForData(page);
    await page.locator('#start:not([disabled])').waitFor();
    await page.click('#start');
    expect(await page.textContent('#form-error')).toMatch(/^Architecture: .*token "conv6k29"/);

    await page.fill('[name="arch"]', ARCH);
    expect(await page.isHidden('#arch-error')).toBe(true);
    await page.selectOption('[name="optimizer"]', 'momentum');
    expect(await page.isEnabled('[name="momentum"]')).toBe(true);
    expect(await page.inputValue('[name="momentum"]')).toBe('0.9');

    // A link from before the optimiser field: momentum alone still means the momentum optimiser.
    await page.goto(pageUrl(site.url, { momentum: '0.5' }));
    expect(await page.inputValue('[name="optimizer"]')).toBe('momentum');
    expect(await page.inputValue('[name="arch"]')).toBe('784-300-100-10');
    expect(browser.errors).toEqual([]);
  });

  it(`trains ${ARCH} on the GPU and shows its four filters`, async () => {
    const { page } = browser;
    await page.goto(pageUrl(site.url, CNN_RUN));
    await waitForData(page);
    await page.locator('#adapter-info[data-adapter]').waitFor();
    await page.click('#start');
    expect(await waitForRunEnd(page, 300_000)).toBe('done');
    expect(await page.textContent('#run-status')).toMatch(/Done: 1 epoch trained on GPU/);
    const first = Number(await page.getAttribute('#loss-summary', 'data-first'));
    const latest = Number(await page.getAttribute('#loss-summary', 'data-latest'));
    expect(latest).toBeLessThan(0.6 * first);
    await page.locator('#inside-status[data-accuracy]').waitFor({ timeout: 60_000 });
    expect(Number(await page.getAttribute('#inside-status', 'data-accuracy'))).toBeGreaterThan(0.6);

    expect(await page.getAttribute('#weights-canvas', 'data-filters')).toBe('4');
    expect(await page.isVisible('#weights-canvas'), 'the filters are shown, not only drawn').toBe(true);
    expect(await page.textContent('#weights-caption')).toContain('First convolution layer: all 4 filters of 5×5');
    // Four 5×5 filters, one pixel apart, each with both signs of weights (red and blue pixels).
    const filters = await page.locator('#weights-canvas').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const kinds = [0, 1, 2, 3].map((o) => {
        let red = 0;
        let blue = 0;
        for (let y = 0; y < 5; y++) {
          for (let x = 0; x < 5; x++) {
            const at = 4 * (y * c.width + o * 6 + x);
            if (data[at] === 255 && data[at + 2] < 255) red++;
            if (data[at + 2] === 255 && data[at] < 255) blue++;
          }
        }
        return red > 0 && blue > 0;
      });
      return { width: c.width, height: c.height, kinds };
    });
    expect(filters).toEqual({ width: 23, height: 5, kinds: [true, true, true, true] });
    expect(browser.errors).toEqual([]);
  });

  it('shows the feature maps of a drawn digit, layer by layer', async () => {
    const { page } = browser;
    await drawStrokes(page, DIGIT_STROKES['7'], BY_POINT);
    const p = await prediction(page);
    expect(p.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const layers = page.locator('#feature-maps .feature-layer');
    // The maps are drawn while they are on screen.
    await page.locator('#feature-maps-caption').scrollIntoViewIfNeeded();
    await layers.first().waitFor();
    expect(await layers.evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.shape))).toEqual(['4x28x28', '4x14x14']);
    expect(await page.textContent('#feature-maps .feature-layer[data-layer="0"] .feature-title')).toBe(
      'conv 1: 4 filters 5×5, padding 2, relu → 4 × 28×28',
    );
    // One image per layer, its four channels side by side, one pixel apart.
    expect(await page.locator('#feature-maps canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.channels))).toEqual(['4', '4']);
    // The drawing lights up the maps: some pixel of every channel is not black.
    const lit = await page.locator('#feature-maps canvas').evaluateAll((cs) =>
      cs.flatMap((c) => {
        const canvas = c as HTMLCanvasElement;
        const [W, H] = canvas.dataset.tile!.split('x').map(Number);
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        return [0, 1, 2, 3].map((ch) => {
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const at = 4 * (y * canvas.width + ch * (W + 1) + x);
              if (data[at] > 0 || data[at + 1] > 0 || data[at + 2] > 0) return true;
            }
          }
          return false;
        });
      }),
    );
    expect(lit.filter(Boolean).length).toBeGreaterThanOrEqual(6); // a ReLU channel may be dead after 40 steps
    expect(browser.errors).toEqual([]);
  });

  it('saves the CNN and loads it back with the same validation accuracy', async () => {
    const { page } = browser;
    const accuracy = Number(await page.getAttribute('#inside-status', 'data-accuracy'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
    expect(download.suggestedFilename()).toBe(`wgtrain-${ARCH}.safetensors`);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    await page.evaluate(() => document.getElementById('inside-status')!.removeAttribute('data-accuracy'));
    await page.setInputFiles('#model-file', file);
    await page.locator('#inside-status[data-accuracy]').waitFor({ timeout: 60_000 });
    expect(await page.textContent('#model-status')).toMatch(new RegExp(`^Loaded wgtrain-${ARCH}\\.safetensors: ${ARCH} relu, cross-entropy loss`));
    expect(Math.abs(Number(await page.getAttribute('#inside-status', 'data-accuracy')) - accuracy)).toBeLessThanOrEqual(0.002);
    expect(await page.getAttribute('#weights-canvas', 'data-filters')).toBe('4');
    expect(browser.errors).toEqual([]);
  });

  it('runs the playground on the GPU: output sizes (W − K + 2P)/S + 1 and pixel values as the CPU twin computes them', async () => {
    const { page } = browser;
    const INDEX = 7;
    const form = '#playground-form';
    await page.locator(`${form} [name="source"][value="mnist"]`).check();
    await page.fill(`${form} [name="index"]`, String(INDEX));
    await page.fill(`${form} [name="conv-stride"]`, '2');
    await page.fill(`${form} [name="conv-pad"]`, '1');
    await page.fill(`${form} [name="pool-size"]`, '3');
    await page.fill(`${form} [name="pool-stride"]`, '2');
    await page.fill(`${form} [name="pool-pad"]`, '1');
    await page.click('#playground-run');
    const results = '#playground-results';
    await page.locator(`${results}:not([aria-busy]) figure[data-id="pool"][data-height="14"]`).waitFor({ timeout: 60_000 });
    await page.locator(`${results}:not([aria-busy]) figure[data-id="gaussian"][data-height="13"]`).waitFor({ timeout: 60_000 });
    expect(await page.getAttribute(results, 'data-ran-on')).toBe('gpu');
    expect(await page.textContent('#playground-status')).toMatch(/^Computed on the GPU: .*swiftshader/i);
    expect(await page.textContent(`${results} figure[data-id="input"] figcaption`)).toContain(`training image ${INDEX} of 60,000`);

    const sizes = await page.locator(`${results} figure`).evaluateAll((fs) =>
      fs.map((f) => [(f as HTMLElement).dataset.id, f.querySelector('.size-formula')!.textContent]),
    );
    expect(sizes).toEqual([
      ['input', '28×28, values 0 to 1'],
      ['mean', '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14'],
      ['gaussian', '⌊(28 − 5 + 2·1)/2⌋ + 1 = 13: 13×13'],
      ['dx', '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14'],
      ['dy', '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14'],
      ['sobel', '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14'],
      ['pool', '⌊(28 − 3 + 2·1)/2⌋ + 1 = 14: 14×14'],
    ]);

    // The same image on the CPU, by the notes' definition of convolution (kernel flipped).
    const { train } = await loadIdxDataset(mnist.dir!);
    const f = Float64Array.from(train.images.subarray(INDEX * 784, (INDEX + 1) * 784), (p) => p / 255);
    const readAt = async (id: string, size: number, row: number, col: number) => {
      const canvas = page.locator(`${results} figure[data-id="${id}"] canvas`);
      const box = (await canvas.boundingBox())!;
      await canvas.click({ position: { x: ((col + 0.5) / size) * box.width, y: ((row + 0.5) / size) * box.height } });
      const readout = page.locator('#playground-readout');
      expect([await readout.getAttribute('data-id'), await readout.getAttribute('data-row'), await readout.getAttribute('data-col')]).toEqual([
        id, String(row), String(col),
      ]);
      return Number(await readout.getAttribute('data-value'));
    };
    const gaussian = convolve2d(f, 28, 28, NOTE_KERNELS.gaussian.values, 5, 5, 2, 1);
    const gx = convolve2d(f, 28, 28, NOTE_KERNELS.dx.values, 3, 3, 2, 1);
    const gy = convolve2d(f, 28, 28, NOTE_KERNELS.dy.values, 3, 3, 2, 1);
    // Pixels on the digit's strokes, where the values are far from 0.
    const strongest = (values: Float64Array) => values.reduce((best, v, i) => (Math.abs(v) > Math.abs(values[best]) ? i : best), 0);
    const g = strongest(gaussian);
    expect(gaussian[g]).toBeGreaterThan(0.3);
    expect(await readAt('gaussian', 13, Math.floor(g / 13), g % 13)).toBeCloseTo(gaussian[g], 5);
    const x = strongest(gx);
    expect(Math.abs(await readAt('dx', 14, Math.floor(x / 14), x % 14) - gx[x])).toBeLessThanOrEqual(ATOL);
    const sobel = gx.map((v, i) => Math.hypot(v, gy[i]));
    const s = strongest(sobel);
    expect(Math.abs(await readAt('sobel', 14, Math.floor(s / 14), s % 14) - sobel[s])).toBeLessThanOrEqual(ATOL);
    // Max pooling 3×3, stride 2, padding 1: output (r, c) covers rows 2r − 1 .. 2r + 1.
    const [r, c] = [6, 7];
    let max = 0;
    for (let y = 2 * r - 1; y <= 2 * r + 1; y++) for (let xx = 2 * c - 1; xx <= 2 * c + 1; xx++) max = Math.max(max, f[y * 28 + xx]);
    expect(await readAt('pool', 14, r, c)).toBeCloseTo(max, 6);
    // With the keyboard: one step down from there.
    await page.keyboard.press('ArrowDown');
    expect(await page.getAttribute('#playground-readout', 'data-row')).toBe(String(r + 1));

    // Unflipped (cross-correlation), the X derivative changes sign.
    await page.locator(`${form} [name="flip"]`).uncheck();
    await page.click('#playground-run');
    await page.waitForFunction(() => document.getElementById('playground-status')!.textContent!.startsWith('Computed'));
    await page.locator(`${results}:not([aria-busy]) figure[data-id="dx"]`).waitFor();
    expect(Math.abs(await readAt('dx', 14, Math.floor(x / 14), x % 14) + gx[x])).toBeLessThanOrEqual(ATOL);
    expect(browser.errors).toEqual([]);
  });

  it('says which result does not fit the image', async () => {
    const { page } = browser;
    await page.fill('#playground-form [name="conv-stride"]', '1');
    await page.fill('#playground-form [name="conv-pad"]', '0');
    await page.fill('#playground-form [name="pool-size"]', '29');
    await page.fill('#playground-form [name="pool-pad"]', '0');
    await page.click('#playground-run');
    const pool = page.locator('#playground-results:not([aria-busy]) figure[data-id="pool"].no-fit');
    await pool.waitFor({ timeout: 60_000 });
    expect(await pool.textContent()).toContain('the 29×29 window does not fit the 28×28 image with padding 0: the output would be 0×0');
    expect(await page.textContent('#playground-results figure[data-id="gaussian"] .size-formula')).toBe('(28 − 5 + 2·0)/1 + 1 = 24: 24×24');

    // The digit drawn above (the 7, still on the pad) as the image.
    await page.locator('#playground-form [name="source"][value="drawing"]').check();
    await page.locator('#playground-results:not([aria-busy]) figure[data-id="input"] figcaption:has-text("your drawing")').waitFor({ timeout: 60_000 });
    expect(await page.locator('#playground-results figure canvas').count()).toBe(6); // the image and 5 results; pooling does not fit
    expect(browser.errors).toEqual([]);
  });

  it('lays out the filters, feature maps and playground at 1280×900 and on a 390×844 phone (screenshots in test-results/)', async () => {
    const { page } = browser;
    await page.screenshot({ path: join(SCREENSHOTS, 'cnn-page-1280x900.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOTS, 'cnn-page-390x844.png'), fullPage: true });
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => !el.closest('.table-scroll') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`),
    );
    expect(overflow).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
