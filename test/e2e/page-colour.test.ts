/**
 * Colour and sizes in the page: CIFAR-10's binary batches dropped on it, the data section's
 * image size and channels settings on a zip of mixed sizes and a colour CSV file, the
 * convolution playground on a colour training image, and colour networks loaded from files:
 * the drawing pad classifies through them (a dropped image in its colours) and previews the
 * image they are fed, and "Look inside" draws their first layers (a CNN's filters, a dense
 * layer's units) in colour. Small fixtures, no training.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { CIFAR_META, cifarBatchBytes } from '../data/archive-fixtures.ts';
import { encodeImage } from '../data/image-fixtures.ts';
import { denseNetwork, parseNetwork } from '../../src/model/arch.ts';
import { initParams } from '../../src/model/init.ts';
import { saveModel } from '../../src/model/model-file.ts';
import { PRESETS } from '../../src/train/config.ts';
import { DIGIT_STROKES, drawStrokes, prediction } from './helpers/page.ts';
import { seriousViolations } from './helpers/axe.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { startSite, type Site } from './helpers/site.ts';

let dir: string;
let site: Site;
let browser: Browser;

/** Drops named files on the page as a user drags them in. */
async function drop(files: Record<string, Uint8Array | string>): Promise<void> {
  const list = Object.entries(files).map(([name, b]) => ({ name, bytes: [...(typeof b === 'string' ? new TextEncoder().encode(b) : b)] }));
  const transfer = await browser.page.evaluateHandle((list) => {
    const t = new DataTransfer();
    for (const f of list) t.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return t;
  }, list);
  await browser.page.locator('body').dispatchEvent('drop', { dataTransfer: transfer });
}

/** Pixel (x, y) of a canvas, RGBA. */
function pixelAt(selector: string, x: number, y: number): Promise<number[]> {
  return browser.page.locator(selector).evaluate((c: HTMLCanvasElement, [x, y]) => [...c.getContext('2d')!.getImageData(x, y, 1, 1).data], [x, y]);
}

async function status(state: 'ready' | 'error', text: string): Promise<string> {
  const el = browser.page.locator(`#data-status[data-state="${state}"]`, { hasText: text });
  try {
    await el.waitFor({ timeout: 30_000 });
  } catch (e) {
    const now = browser.page.locator('#data-status');
    throw new Error(`the data status never said "${text}" (${state}); it says (${await now.getAttribute('data-state')}) "${await now.textContent()}"`, { cause: e });
  }
  return (await el.textContent()) ?? '';
}

describe('colour and sizes in the page', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-page-colour-'));
    [site, browser] = await Promise.all([startSite(join(dir, 'no-data')), launch({ webgpu: true, viewport: { width: 1280, height: 900 } })]);
    await browser.page.goto(site.url);
    await browser.page.locator('#data-status[data-state="missing"]').waitFor({ timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads CIFAR-10 batches dropped on the page: 3×32×32 colour, the classes named by batches.meta.txt', async () => {
    await drop({ 'data_batch_1.bin': cifarBatchBytes(6, 1), 'data_batch_2.bin': cifarBatchBytes(4, 2), 'test_batch.bin': cifarBatchBytes(3, 9), 'batches.meta.txt': CIFAR_META });
    expect(await status('ready', 'CIFAR-10')).toBe(
      'Using your CIFAR-10 batches (data_batch_1.bin, data_batch_2.bin, test_batch.bin): 10 training images of 32×32 in colour ' +
        '(3 channels: the network starts with 3x32x32) in 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), ' +
        '3 test images. Training holds out the last "validation images" of the training set to measure accuracy.',
    );
    expect(browser.errors).toEqual([]);
  });

  it('reads a zip of mixed sizes once Image size is set, and converts channels as Channels says', async () => {
    const { page } = browser;
    const square = async (side: number, rgb: number[]) => encodeImage(new Uint8Array(side * side * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[i % 4])), side, side, 'png');
    const zip = zipSync({
      'red/1.png': await square(6, [200, 30, 10]), 'red/2.png': await square(6, [220, 40, 0]), 'red/3.png': await square(9, [190, 20, 20]),
      'blue/1.png': await square(6, [10, 30, 200]), 'blue/2.png': await square(6, [0, 50, 220]),
    });
    await drop({ 'mixed.zip': zip });
    expect(await status('error', 'differ in size')).toMatch(/4 of 5 are 6x6 .*1 are 9x9 \(mixed\.zip\/red\/3\.png\); set Image size to 6x6 \(or another size\) in the page's Data section/);
    await page.fill('#data-size', '8');
    await page.locator('#data-size').dispatchEvent('change');
    expect(await status('ready', 'mixed.zip')).toContain('5 training images of 8×8 in colour (3 channels: the network starts with 3x8x8) in 2 classes (blue, red)');
    // The playground follows the data to its first training image, blue/1.png, in colour: each kernel one channel, pooling in colour.
    const results = '#playground-results:not([aria-busy])';
    await page.locator(`${results} figure[data-id="input"][data-channels="3"] figcaption:has-text("of 5 (label blue, 8×8, in colour)")`).waitFor({ timeout: 30_000 });
    expect(await page.textContent(`${results} figure[data-id="input"] .size-formula`)).toBe('8×8, 3 channels (R, G, B), values 0 to 1');
    expect(await pixelAt(`${results} figure[data-id="input"] canvas`, 3, 3)).toEqual([10, 30, 200, 255]);
    expect(await page.getAttribute(`${results} figure[data-id="mean"]`, 'data-channels')).toBe('1');
    expect(await page.getAttribute(`${results} figure[data-id="pool"]`, 'data-channels')).toBe('3');
    expect(await page.textContent('#playground-status')).toContain('each kernel is one filter over its red, green and blue channels, a third on each');
    await page.selectOption('#data-channels', '1');
    const gray = await status('ready', '5 training images of 8×8 in 2 classes');
    expect(gray).not.toContain('colour');
    await page.fill('#data-size', 'big');
    await page.locator('#data-size').dispatchEvent('change');
    expect(await status('error', 'Image size')).toContain('Image size "big": write one side for square images (28) or rows x columns (32x48)');
    expect(await page.getAttribute('#data-size', 'aria-invalid')).toBe('true');
    expect(browser.errors).toEqual([]);
  });

  it('classifies the drawing through a colour network, and an image dropped on the pad in its colours', async () => {
    const { page } = browser;
    // 192-2, read as 3×8×8 colour: output 0 sums the red plane minus the blue, output 1 the opposite.
    const spec = { ...PRESETS.lecun.model, ...denseNetwork([192, 2]) };
    const params = initParams(spec, 1).params.fill(0);
    for (let c = 0; c < 192; c++) {
      const sign = c < 64 ? 1 : c >= 128 ? -1 : 0;
      [params[2 * c], params[2 * c + 1]] = [sign, -sign];
    }
    const modelFile = join(dir, 'red-blue.safetensors');
    await writeFile(modelFile, saveModel(spec, params));
    await page.setInputFiles('#model-file', modelFile);
    await page.locator('#model-status:has-text("Loaded red-blue.safetensors")').waitFor({ timeout: 30_000 });
    // Its hidden units' weights as 8×8 colour images (R, G, B planes on one scale): unit 0 red minus blue, unit 1 the opposite.
    await page.locator('#weights-canvas[data-colour="rgb"]').waitFor({ timeout: 30_000 });
    expect(await page.textContent('#weights-caption')).toContain('all 2 hidden units over the 8×8 colour image, each as one colour image of its red, green and blue weights');
    expect(await pixelAt('#weights-canvas', 0, 0)).toEqual([255, 128, 0, 255]);
    expect(await pixelAt('#weights-canvas', 8 + 2, 0)).toEqual([0, 128, 255, 255]);
    await page.click('#clear-drawing');
    await drawStrokes(page, DIGIT_STROKES['1']);
    // Gray ink copied into three channels: red and blue weigh the same, so the two outputs tie.
    const tie = (await prediction(page)).values;
    expect(tie[0]).toBeCloseTo(0.5, 6);
    expect(tie[1]).toBeCloseTo(0.5, 6);
    // What the network sees: the digit at its 8×8, in three channels.
    expect(await page.getAttribute('#digit-preview', 'data-shape')).toBe('3x8x8');
    expect(await page.textContent('#preview-caption')).toBe('what the network sees (8×8, in colour)');
    const red = await encodeImage(new Uint8Array(40 * 30 * 4).map((_, i) => [220, 30, 20, 255][i % 4]), 40, 30, 'png');
    await page.setInputFiles('#image-file', { name: 'red.png', mimeType: 'image/png', buffer: Buffer.from(red) });
    await page.locator('#prediction[data-digit="0"]:not([aria-busy])').waitFor({ timeout: 30_000 });
    expect((await prediction(page)).values[0]).toBeGreaterThan(0.99);
    expect(await pixelAt('#digit-preview', 4, 4)).toEqual([220, 30, 20, 255]);
    expect(browser.errors).toEqual([]);
  });

  it('draws a colour CNN\'s first filters as colour images, and classifies the drawing resized to its input', async () => {
    const { page } = browser;
    const spec = { ...PRESETS.lenet5.model, ...parseNetwork('3x12x12-conv5k3-pool2-3') };
    const modelFile = join(dir, 'colour-cnn.safetensors');
    await writeFile(modelFile, saveModel(spec, initParams(spec, 2).params));
    await page.setInputFiles('#model-file', modelFile);
    await page.locator('#model-status:has-text("Loaded colour-cnn.safetensors")').waitFor({ timeout: 30_000 });
    // The previous test's dense colour model left data-colour="rgb" on the canvas: wait for the filters themselves.
    await page.locator('#weights-canvas[data-colour="rgb"][data-filters="5"]').waitFor({ timeout: 30_000 });
    expect(await page.textContent('#weights-caption')).toContain('all 5 filters of 3×3, each as one colour image of its red, green and blue weights, scaled together');
    await page.click('#clear-drawing');
    await drawStrokes(page, DIGIT_STROKES['7']);
    const p = await prediction(page);
    expect(p.values).toHaveLength(3);
    expect(p.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(await page.getAttribute('#digit-preview', 'data-shape')).toBe('3x12x12');
    expect(browser.errors).toEqual([]);
  });

  it('reads a colour CSV file with Channels colour and an image size, as the CLI does with --channels 3 --size', async () => {
    const { page } = browser;
    await page.fill('#data-size', '2x4');
    await page.locator('#data-size').dispatchEvent('change');
    await page.selectOption('#data-channels', '3');
    const rows = Array.from({ length: 6 }, (_, i) => [i % 2, ...Array.from({ length: 24 }, (_, p) => (i * 11 + p * 7) % 256)].join(','));
    await drop({ 'colour.csv': rows.join('\n') + '\n' });
    expect(await status('ready', 'colour.csv')).toContain('Using your CSV file colour.csv: 6 training images of 2×4 in colour (3 channels: the network starts with 3x2x4) in 2 classes');
    expect(browser.errors).toEqual([]);
  });

  it('passes an accessibility audit with the size and channels settings, colour data and colour filters shown', async () => {
    expect(await seriousViolations(browser.page)).toEqual([]);
  });
});
