/**
 * The page reads the user's own data (no MNIST next to it): a zip of an image folder, the
 * same folder picked with the folder picker or dropped, a CSV file, a colour zip, the "your own
 * classes" export zip loaded back, and a corrupt image refused with its file named. A short
 * run on the zip names the classes in the bars, the confusion matrix and the saved model.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { encodeImage } from '../data/image-fixtures.ts';
import { seriousViolations } from './helpers/axe.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { BY_POINT, DIGIT_STROKES, drawStrokes, pageUrl, prediction, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

const CLASSES = ['bar', 'big ring', 'cross'];
const PER_CLASS = 12;
const SIDE = 28;

/** Image n of class k, 28×28 gray: a class's own shape (a vertical bar, a ring, a cross), shifted by n. */
function shape(k: number, n: number): Uint8Array {
  const rgba = new Uint8Array(SIDE * SIDE * 4);
  const dx = (n % 5) - 2;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const u = x - 14 - dx;
      const v = y - 14;
      const on = k === 0 ? Math.abs(u) <= 1 && Math.abs(v) <= 10 : k === 1 ? Math.abs(Math.hypot(u, v) - 8) <= 1.2 : Math.abs(Math.abs(u) - Math.abs(v)) <= 1 && Math.abs(u) <= 9;
      rgba.set(on ? [255, 255, 255, 255] : [0, 0, 0, 255], 4 * (y * SIDE + x));
    }
  }
  return rgba;
}

/** The data status once it reads `text` (the status before a new load may still say ready). */
async function dataStatus(text: string): Promise<string> {
  const status = browser.page.locator('#data-status[data-state="ready"]', { hasText: text });
  await status.waitFor({ timeout: 30_000 });
  return (await status.textContent()) ?? '';
}

let dir: string;
let site: Site;
let browser: Browser;
const files: Record<string, Uint8Array> = {};

describe('your own data in the page', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-own-data-'));
    for (const [k, name] of CLASSES.entries()) {
      await mkdir(join(dir, 'shapes', name), { recursive: true });
      for (let n = 1; n <= PER_CLASS; n++) {
        const png = await encodeImage(shape(k, n), SIDE, SIDE, 'png');
        files[`shapes/${name}/${n}.png`] = png;
        await writeFile(join(dir, 'shapes', name, `${n}.png`), png);
      }
    }
    await writeFile(join(dir, 'shapes.zip'), zipSync(files));
    // Colour: 6×6 red and blue squares.
    const colour: Record<string, Uint8Array> = {};
    for (const [k, name] of ['blue', 'red'].entries()) {
      for (let n = 1; n <= 4; n++) {
        const rgba = new Uint8Array(36 * 4);
        for (let p = 0; p < 36; p++) rgba.set(k === 0 ? [0, 40 * n, 200, 255] : [200, 40 * n, 0, 255], 4 * p);
        colour[`${name}/${n}.png`] = await encodeImage(rgba, 6, 6, 'png');
      }
    }
    await writeFile(join(dir, 'colour.zip'), zipSync(colour));
    await writeFile(join(dir, 'corrupt.zip'), zipSync({ ...colour, 'red/2.png': colour['red/2.png'].subarray(0, 30) }));
    // CSV: 30 rows of 4×4 images in 3 classes, with a header.
    const rows = ['label,' + Array.from({ length: 16 }, (_, i) => `pixel${i}`).join(',')];
    for (let i = 0; i < 30; i++) rows.push([i % 3, ...Array.from({ length: 16 }, (_, p) => (i * 7 + p * 13) % 256)].join(','));
    await writeFile(join(dir, 'tiny.csv'), rows.join('\n') + '\n');
    [site, browser] = await Promise.all([startSite(join(dir, 'no-data')), launch({ webgpu: true, viewport: { width: 1280, height: 900 } })]);
    await browser.page.goto(pageUrl(site.url, { arch: '784-16-3', batch: '6', epochs: '3', validation: '6', lr: '0.5' }));
    await browser.page.locator('#adapter-info[data-adapter]').waitFor({ timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads a zip of an image folder, trains on it, and names its classes in the bars, the confusion matrix and the saved model', async () => {
    const { page } = browser;
    await page.setInputFiles('#data-files', join(dir, 'shapes.zip'));
    await dataStatus(`Using your zip shapes.zip: 36 training images of 28×28 in 3 classes (bar, big ring, cross), no test set.`);
    await page.click('#start');
    expect(await waitForRunEnd(page, 60_000)).toBe('done');
    await drawStrokes(page, DIGIT_STROKES['1'], BY_POINT);
    const p = await prediction(page);
    expect(p.values).toHaveLength(3);
    expect(await page.locator('#probability-bars .bar-label').allTextContents()).toEqual(CLASSES);
    await page.locator('#confusion th').first().waitFor();
    expect(await page.locator('#confusion thead th').allTextContents()).toEqual(CLASSES);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
    const saved = loadModel(new Uint8Array(await readFile((await download.path())!)));
    expect(JSON.parse(saved.metadata.classNames)).toEqual(CLASSES);
    expect(browser.errors).toEqual([]);
  });

  it('passes an accessibility audit with the data loaded and a model trained', async () => {
    expect(await seriousViolations(browser.page)).toEqual([]);
  });

  it('reads the same folder picked with the folder picker, and a CSV file', async () => {
    const { page } = browser;
    await page.setInputFiles('#data-folder', join(dir, 'shapes'));
    await dataStatus('Using your folder shapes (36 images): 36 training images of 28×28 in 3 classes (bar, big ring, cross)');
    await page.setInputFiles('#data-files', join(dir, 'tiny.csv'));
    await dataStatus('Using your CSV file tiny.csv: 30 training images of 4×4 in 3 classes, no test set.');
    expect(browser.errors).toEqual([]);
  });

  it('reads colour images as 3 channels, and the architecture check says to start the network with 3xHxW', async () => {
    const { page } = browser;
    await page.setInputFiles('#data-files', join(dir, 'colour.zip'));
    await dataStatus('8 training images of 6×6 in colour (3 channels: the network starts with 3x6x6) in 2 classes (blue, red)');
    // The preview of what the network trains on shows the first image (blue/1.png) in its colour.
    const thumb = page.locator('#augment-grid canvas[width="6"]').first();
    await thumb.waitFor({ timeout: 30_000 });
    expect(await page.locator('#augment-grid figcaption').first().textContent()).toBe('blue');
    expect(await thumb.evaluate((c) => [...(c as HTMLCanvasElement).getContext('2d')!.getImageData(2, 2, 1, 1).data])).toEqual([0, 40, 200, 255]);
    await page.fill('input[name="arch"]', '36-4-2');
    await page.fill('input[name="validation"]', '2');
    await page.fill('input[name="batch"]', '2');
    await page.click('#start');
    expect(await waitForRunEnd(page, 30_000)).toBe('failed');
    expect(await page.textContent('#run-status')).toContain('start the architecture with 3x6x6');
    await page.fill('input[name="arch"]', '3x6x6-4-2');
    await page.click('#start');
    expect(await waitForRunEnd(page, 30_000)).toBe('done');
    // The drawing on the pad (28×28 gray) goes through the colour network resized to 6×6, copied into three channels.
    await drawStrokes(page, DIGIT_STROKES['1'], BY_POINT);
    expect((await prediction(page)).values).toHaveLength(2);
    expect(browser.errors).toEqual([]);
  });

  it('walks a folder dropped on the page (webkitGetAsEntry), its entries read in batches', async () => {
    const { page } = browser;
    const tree = Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, [...bytes]]));
    await page.evaluate((tree) => {
      // A dropped folder as Chromium hands it over: directory entries whose readers answer in batches, then with none.
      type Node = { name: string; children?: Map<string, Node>; bytes?: number[] };
      const root: Node = { name: 'shapes', children: new Map() };
      for (const [path, bytes] of Object.entries(tree)) {
        const parts = path.split('/').slice(1);
        let at = root;
        for (const [i, part] of parts.entries()) {
          if (!at.children!.has(part)) at.children!.set(part, i === parts.length - 1 ? { name: part, bytes } : { name: part, children: new Map() });
          at = at.children!.get(part)!;
        }
      }
      const entry = (node: Node): unknown =>
        node.children
          ? {
            isFile: false, isDirectory: true, name: node.name,
            createReader() {
              const pending = [...node.children!.values()].map(entry);
              return { readEntries: (ok: (e: unknown[]) => void) => setTimeout(() => ok(pending.splice(0, 5))) };
            },
          }
          : { isFile: true, isDirectory: false, name: node.name, file: (ok: (f: File) => void) => ok(new File([new Uint8Array(node.bytes!)], node.name, { type: 'image/png' })) };
      const item = { kind: 'file', webkitGetAsEntry: () => entry(root) };
      const drop = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(drop, 'dataTransfer', { value: { items: [item], files: [] } });
      document.body.dispatchEvent(drop);
    }, tree);
    await dataStatus('Using your folder shapes (36 images): 36 training images of 28×28 in 3 classes (bar, big ring, cross)');
    expect(browser.errors).toEqual([]);
  });

  it('refuses a zip with a corrupt image, naming the file, and keeps nothing of it', async () => {
    const { page } = browser;
    await page.setInputFiles('#data-files', join(dir, 'corrupt.zip'));
    const status = page.locator('#data-status[data-state="error"]');
    await status.waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toMatch(/^corrupt\.zip\/red\/2\.png is not an image wgtrain can decode .*remove or replace it\. Still using your folder shapes \(36 images\)\.$/);
    expect(await page.isEnabled('#start')).toBe(true);
  });

  it('loads the "your own classes" export zip back as data, its classes named', async () => {
    const { page } = browser;
    for (const name of ['ring', 'bar']) {
      await page.fill('#new-class [name="class-name"]', name);
      await page.click('#new-class button[type="submit"]');
    }
    for (const [k, digit] of ['0', '1'].entries()) {
      await page.locator(`#class-list .own-class:nth-child(${k + 1}) input[type="radio"]`).check();
      for (let n = 0; n < 2; n++) {
        await drawStrokes(page, DIGIT_STROKES[digit], BY_POINT);
        await page.locator('#add-example:not([disabled])').click();
      }
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-drawings')]);
    const zip = join(dir, 'wgtrain-drawings.zip');
    await download.saveAs(zip);
    await page.setInputFiles('#data-files', zip);
    await dataStatus('Using your zip wgtrain-drawings.zip: 4 training images of 28×28 in 2 classes (bar, ring), no test set.');
    expect(browser.errors).toEqual([]);
  });
});
