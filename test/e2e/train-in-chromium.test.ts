/**
 * The page in headless Chromium with WebGPU on SwiftShader, trained on real MNIST (the shared
 * folder, or WGTRAIN_MNIST_DIR) through its own controls: it must load without console
 * errors, find an adapter, train with the loss going down and the CPU reference agreeing,
 * classify a drawing, lay out at desktop and phone sizes (screenshots in test-results/),
 * and save a model that `wgtrain eval` reads.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnistDir, repoRoot } from '../data/fixtures.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { BY_POINT, DIGIT_STROKES, drawStrokes, pageUrl, prediction, SMALL_RUN, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

const mnist = mnistDir();
const SCREENSHOTS = join(repoRoot, 'test-results');

let site: Site;
let browser: Browser;
let downloads: string;

describe.skipIf(!mnist.dir)(`the page trains in Chromium ${mnist.reason}`, () => {
  beforeAll(async () => {
    site = await startSite(mnist.dir!);
    browser = await launch({ webgpu: true, viewport: { width: 1280, height: 800 } });
    downloads = await mkdtemp(join(tmpdir(), 'wgtrain-downloads-'));
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  it('loads MNIST from data/mnist/ and finds a WebGPU adapter, with no console errors', async () => {
    const { page } = browser;
    await page.goto(pageUrl(site.url, { ...SMALL_RUN, compare: '1' }));
    const data = await waitForData(page);
    expect(data).toContain('MNIST from /data/mnist/');
    expect(data).toContain('60,000 training images of 28×28');
    await page.locator('#adapter-info[data-adapter]').waitFor();
    expect(await page.getAttribute('#adapter-info', 'data-adapter')).toBe('software'); // SwiftShader
    expect(await page.textContent('#adapter-info')).toMatch(/maxStorageBufferBindingSize\s*[\d,]+ MiB/);
    expect(await page.isHidden('#webgpu-banner')).toBe(true);
    expect(await page.isEnabled('#start')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('trains 784-32-10 on the GPU with the loss going down, and the CPU reference agrees step for step', async () => {
    const { page } = browser;
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    expect(await page.textContent('#run-status')).toMatch(/Done: 2 epochs trained on GPU: .*matmul/);

    const first = Number(await page.getAttribute('#loss-summary', 'data-first'));
    const latest = Number(await page.getAttribute('#loss-summary', 'data-latest'));
    expect(first).toBeGreaterThan(1.8); // ≈ ln 10 for an untrained softmax over 10 classes
    expect(latest).toBeLessThan(0.6 * first);
    const epochs = await page.locator('#epoch-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ loss: Number((r as HTMLElement).dataset.trainLoss), acc: Number((r as HTMLElement).dataset.valAccuracy) })),
    );
    expect(epochs).toHaveLength(2);
    expect(epochs[1].loss).toBeLessThan(epochs[0].loss);
    expect(epochs[1].acc).toBeGreaterThan(0.75);

    // The same seed gives the CPU reference the same mini-batches: same losses, same accuracy.
    const compareTable = () =>
      page.locator('#compare-view tbody tr').evaluateAll((trs) =>
        Object.fromEntries(trs.map((tr) => [tr.querySelector('th')!.textContent!, [...tr.querySelectorAll('td')].map((td) => td.textContent!)])),
      );
    await expect.poll(async () => (await compareTable()).state, { timeout: 60_000 }).toEqual(['done', 'done']);
    const rows = await compareTable();
    const [gpuLoss, cpuLoss] = rows['last mini-batch loss'].map(Number);
    expect(Math.abs(gpuLoss - cpuLoss)).toBeLessThan(2e-3 * cpuLoss);
    expect(rows['validation accuracy'][0]).toBe(rows['validation accuracy'][1]);
    expect(Number(await page.getAttribute('#compare-view .speedup', 'data-speedup'))).toBeGreaterThan(0);

    expect(await page.textContent('#inside-status')).toMatch(/validation images right/);
    expect(await page.locator('#confusion tbody td').count()).toBe(100);
    expect(await page.locator('#misclassified .thumb').count()).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });

  it('classifies a digit drawn with the mouse, with ten probabilities that sum to 1', async () => {
    const { page } = browser;
    await drawStrokes(page, DIGIT_STROKES['0'], BY_POINT);
    const p = await prediction(page);
    expect(p.values).toHaveLength(10);
    expect(p.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(p.values[p.digit]).toBe(Math.max(...p.values));
    expect(p.text).toContain('after 2 epochs');
    expect(browser.errors).toEqual([]);
  });

  it('lays out readably at 1280×800 and on a 390×844 phone (screenshots in test-results/)', async () => {
    const { page } = browser;
    await page.screenshot({ path: join(SCREENSHOTS, 'page-1280x800.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // charts follow their containers' width on the next frame
    await page.screenshot({ path: join(SCREENSHOTS, 'page-390x844.png'), fullPage: true });
    // Nothing may stick out sideways on the phone, except inside the scrolling epoch table.
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => !el.closest('.table-scroll') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`),
    );
    expect(overflow).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const chartWidth = await page.locator('#loss-chart canvas').evaluate((c) => c.getBoundingClientRect().width);
    expect(chartWidth).toBeGreaterThan(300);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('saves the model as a safetensors file that `wgtrain eval` reads, with the accuracy the page showed', async () => {
    const { page } = browser;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
    expect(download.suggestedFilename()).toBe('wgtrain-784-32-10.safetensors');
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    // The eval command in this process (test/helpers/cli.ts): test/e2e/cli-model-in-chromium.test.ts runs the binary.
    const { code, stdout, stderr } = await wgtrainHere('eval', file, '--data', mnist.dir!, '--validation', SMALL_RUN.validation, '--device', 'cpu', '--json');
    expect(code, stderr).toBe(0);
    const cliAccuracy = JSON.parse(stdout).accuracy as number;
    const pageAccuracy = Number(await page.getAttribute('#inside-status', 'data-accuracy'));
    expect(cliAccuracy).toBeCloseTo(pageAccuracy, 2);
  });

  it('pauses between epochs, resumes, and stops early', async () => {
    const { page } = browser;
    const rows = page.locator('#epoch-table tbody tr');
    await page.goto(pageUrl(site.url, { ...SMALL_RUN, epochs: '30' }));
    await waitForData(page);
    await page.click('#start');
    await rows.first().waitFor({ timeout: 60_000 });
    await page.click('#pause');
    await page.locator('#run-status[data-state="paused"]').waitFor({ timeout: 60_000 });
    expect(await page.isEnabled('#resume')).toBe(true);
    const pausedAt = await rows.count();
    await page.waitForTimeout(1500); // an epoch here takes well under a second: a paused run must not go on
    expect(await rows.count()).toBe(pausedAt);
    expect(await page.textContent('#run-status')).toBe(`Paused after ${pausedAt} epoch${pausedAt === 1 ? '' : 's'}. Resume to go on.`);

    await page.click('#resume');
    await rows.nth(pausedAt).waitFor({ timeout: 60_000 });
    await page.click('#stop');
    expect(await waitForRunEnd(page)).toBe('stopped');
    const stoppedAt = await rows.count();
    expect(stoppedAt).toBeGreaterThan(pausedAt);
    expect(stoppedAt).toBeLessThan(30);
    expect(await page.textContent('#run-status')).toBe(`Stopped after ${stoppedAt} epochs.`);
    expect(await page.isEnabled('#start')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it("keeps the autotuner's measurements in IndexedDB for the next run", async () => {
    const { page } = browser;
    // 32 → 16 gives a weight gradient matmul_vec4 runs: the form of its ones row is measured.
    await page.goto(pageUrl(site.url, { ...SMALL_RUN, arch: '784-32-16-10', epochs: '1' }));
    await waitForData(page);
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    const stored = await page.evaluate(
      () =>
        new Promise<Record<string, Record<string, string>> | undefined>((resolve, reject) => {
          const open = indexedDB.open('wgtrain');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('tune').objectStore('tune').get('matmul');
            get.onerror = () => reject(get.error);
            get.onsuccess = () => resolve(get.result);
          };
        }),
    );
    const entries = Object.entries(stored ?? {});
    expect(entries).toHaveLength(1); // one adapter: SwiftShader
    const [adapter, winners] = entries[0];
    expect(adapter).toMatch(/swiftshader/i);
    const onesRow = Object.entries(winners).filter(([key]) => key.endsWith('ones row'));
    expect(onesRow.map(([key]) => key)).toContain('33x16x50 lda32 ldb16 TN mode3 vec4 ones row');
    for (const [, form] of onesRow) expect(['branch', 'selects']).toContain(form);
    expect(browser.errors).toEqual([]);
  });
});
