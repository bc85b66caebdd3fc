/**
 * The page in a Chromium without WebGPU: it must say so plainly, link to how to enable it,
 * and still train, on the CPU reference. Runs on synthetic IDX data, so it needs no MNIST.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Browser } from './helpers/browser.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { pageUrl, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

let data: { dir: string };
let site: Site;
let browser: Browser;

describe('the page without WebGPU', () => {
  beforeAll(async () => {
    data = await syntheticIdxFolder(1200);
    [site, browser] = await Promise.all([startSite(data.dir), launch({ webgpu: false, viewport: { width: 1280, height: 800 } })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (data) await rm(data.dir, { recursive: true, force: true });
  });

  it('says once why it cannot use the GPU, links to how to enable it, and offers only the CPU reference', async () => {
    const { page } = browser;
    await page.goto(pageUrl(site.url, { arch: '784-16-10', epochs: '1', batch: '20', validation: '200' }));
    // The premise: this browser really has no WebGPU adapter.
    expect(await page.evaluate(async () => !navigator.gpu || (await navigator.gpu.requestAdapter()) === null)).toBe(true);
    const banner = page.locator('#webgpu-banner');
    await banner.waitFor();
    const text = (await banner.textContent())!.replace(/\s+/g, ' ');
    // One account of what is missing (this Chromium has navigator.gpu but no adapter), not "not available" and then "has WebGPU".
    expect(text).toMatch(/cannot use your GPU here, so it trains on the CPU reference.*has WebGPU, but it found no adapter/);
    expect(text).not.toMatch(/not available/);
    // Addresses are links, never printed as text.
    expect(text).not.toContain('https://');
    const links = await banner.locator('a').evaluateAll((as) => as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]));
    expect(links).toEqual([
      ["Chrome's WebGPU guide", 'https://developer.chrome.com/docs/web-platform/webgpu'],
      ['Which browsers have WebGPU', 'https://caniuse.com/webgpu'],
    ]);
    expect(await page.inputValue('select[name="device"]')).toBe('cpu');
    expect(await page.isDisabled('select[name="device"] option[value="gpu"]')).toBe(true);
    expect(await page.isDisabled('input[name="compare"]')).toBe(true);
    expect(await page.getAttribute('#adapter-info', 'data-adapter')).toBe('none');
  });

  it('trains on the CPU reference instead', async () => {
    const { page } = browser;
    await waitForData(page);
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.textContent('#run-status')).toContain('Done: 1 epoch trained on CPU reference');
    const accuracy = Number(await page.locator('#epoch-table tbody tr').first().getAttribute('data-val-accuracy'));
    expect(accuracy).toBeGreaterThan(0.9); // the synthetic classes are bands of light: easy
    expect(browser.errors).toEqual([]);
  });

  it('runs the convolution playground on the CPU twins, and says so', async () => {
    const { page } = browser;
    await page.locator('#playground-results:not([aria-busy])[data-ran-on]').waitFor({ timeout: 30_000 });
    expect(await page.getAttribute('#playground-results', 'data-ran-on')).toBe('cpu');
    expect(await page.textContent('#playground-status')).toMatch(/^Computed on the CPU twins \(no WebGPU in this browser\)/);
    expect(await page.textContent('#playground-results figure[data-id="gaussian"] .size-formula')).toBe('(28 − 5 + 2·1)/1 + 1 = 26: 26×26');
    expect(browser.errors).toEqual([]);
  });
});
