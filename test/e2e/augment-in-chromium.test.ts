/**
 * Augmentation in the page, in headless Chromium with WebGPU on SwiftShader: the form's
 * controls, the grid of what the network trains on following them, an accessibility audit,
 * and a run that trains with affine and elastic augmentation on the GPU (the kernels
 * compiled by Chromium's WGSL compiler, not only Dawn's in Node).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './helpers/axe.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { pageUrl, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

const RUN = { arch: '784-16-10', batch: '50', epochs: '1', limit: '500', validation: '200', augment: 'affine,elastic', sigma: '3', alpha: '20' };

let data: { dir: string };
let site: Site;
let browser: Browser;

describe('augmentation in the page', () => {
  beforeAll(async () => {
    data = await syntheticIdxFolder(800);
    [site, browser] = await Promise.all([startSite(data.dir), launch({ webgpu: true, viewport: { width: 1280, height: 800 } })]);
    await browser.page.goto(pageUrl(site.url, RUN));
    await waitForData(browser.page);
    await browser.page.locator('#adapter-info[data-adapter]').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (data) await rm(data.dir, { recursive: true, force: true });
  });

  it('shows the training images as epoch 1 transforms them, and follows the form', async () => {
    const { page } = browser;
    const status = page.locator('#augment-status');
    await page.locator('#augment-grid canvas').nth(23).waitFor();
    expect(await status.textContent()).toContain('as epoch 1 transforms them');
    expect(await page.getByRole('img', { name: /^training image 0, transformed, label \d$/ }).count()).toBe(1);
    const pixels = () => page.locator('#augment-grid canvas').first().evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
    const transformed = await pixels();

    await page.selectOption('select[name="augment"]', 'none');
    await page.waitForFunction(() => document.getElementById('augment-status')!.textContent!.includes('untransformed'));
    expect(await pixels()).not.toEqual(transformed);
    expect(await page.locator('input[name="rotate"]').isDisabled()).toBe(true);
    expect(await page.locator('input[name="sigma"]').isDisabled()).toBe(true);

    await page.selectOption('select[name="augment"]', 'affine,elastic');
    await page.waitForFunction(() => document.getElementById('augment-status')!.textContent!.includes('transforms them'));
    expect(await pixels()).toEqual(transformed);
    expect(await page.locator('input[name="rotate"]').isDisabled()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('trains with affine and elastic augmentation on the GPU', async () => {
    const { page } = browser;
    expect(await page.locator('select[name="device"]').inputValue()).toBe('gpu');
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.locator('#epoch-table tbody tr').count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });
});
