/**
 * Where the page's data comes from when the site serves none: it must say how to get MNIST,
 * then take IDX files the user picks, and refuse files that are not IDX with a reason.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Browser } from './helpers/browser.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { waitForData } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

let empty: string;
let data: { dir: string; files: string[] };
let site: Site;
let browser: Browser;

describe('data for the page', () => {
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'wgtrain-no-data-'));
    data = await syntheticIdxFolder(300);
    [site, browser] = await Promise.all([startSite(empty), launch({ webgpu: true, viewport: { width: 1280, height: 800 } })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    for (const dir of [empty, data?.dir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('without MNIST next to it, says how to get it, and cannot start', async () => {
    const { page } = browser;
    await page.goto(site.url);
    const status = page.locator('#data-status[data-state="missing"]');
    await status.waitFor();
    expect(await status.textContent()).toMatch(/No MNIST next to this page.*npx wgtrain data mnist.*pick or drop IDX files/s);
    await page.locator('#adapter-info[data-adapter]').waitFor();
    expect(await page.isDisabled('#start')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('uses IDX files the user picks, and says which', async () => {
    const { page } = browser;
    await page.setInputFiles('#data-files', data.files);
    const text = await waitForData(page);
    expect(text).toContain('Using your files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte)');
    expect(text).toContain('300 training images of 28×28');
    // Too few images to hold out the default 10,000: one sixth is held out instead.
    expect(await page.inputValue('input[name="validation"]')).toBe('50');
    expect(await page.getAttribute('input[name="limit"]', 'placeholder')).toBe('all (250)');
    expect(await page.isEnabled('#start')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('takes IDX files dropped on the page', async () => {
    const { page } = browser;
    await page.reload();
    await page.locator('#data-status[data-state="missing"]').waitFor();
    const files = await Promise.all(data.files.map(async (f) => ({ name: f.split('/').pop()!, bytes: [...(await readFile(f))] })));
    const transfer = await page.evaluateHandle((list) => {
      const t = new DataTransfer();
      for (const f of list) t.items.add(new File([new Uint8Array(f.bytes)], f.name));
      return t;
    }, files);
    await page.locator('body').dispatchEvent('dragover', { dataTransfer: transfer });
    expect(await page.isVisible('#drop-overlay')).toBe(true);
    await page.locator('body').dispatchEvent('drop', { dataTransfer: transfer });
    expect(await waitForData(page)).toContain('Using your files');
    expect(await page.isHidden('#drop-overlay')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('refuses a file that is not IDX data, saying why', async () => {
    const { page } = browser;
    const notes = join(empty, 'notes.txt');
    await writeFile(notes, 'not a data set');
    await page.setInputFiles('#data-files', notes);
    const status = page.locator('#data-status[data-state="error"]');
    await status.waitFor();
    expect(await status.textContent()).toContain('None of notes.txt is data (IDX files');
  });
});
