/**
 * Colour and sizes in the page: CIFAR-10's binary batches dropped on it, and the data
 * section's image size and channels settings on a zip of mixed sizes and a colour CSV file.
 * Small fixtures, no training: the status line says what was read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR_META, cifarBatchBytes } from '../data/archive-fixtures.ts';
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

async function status(state: 'ready' | 'error', text: string): Promise<string> {
  const el = browser.page.locator(`#data-status[data-state="${state}"]`, { hasText: text });
  await el.waitFor({ timeout: 30_000 });
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
});
