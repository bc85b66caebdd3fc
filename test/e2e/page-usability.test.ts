/**
 * What a new visitor meets on the page, in headless Chromium with WebGPU on SwiftShader, on
 * synthetic IDX data (no MNIST needed): an axe-core audit with no serious or critical
 * violations before and after a run; names for the progress bar, charts and canvases; live
 * regions for run, prediction and model status; a visible focus ring on the file inputs;
 * messages that explain themselves; a layout without stray blanks or wrapped buttons; and
 * the schedule and AdamW fields, with the learning rate drawn on the loss chart.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../data/fixtures.ts';
import { seriousViolations } from './helpers/axe.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { pageUrl, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

/** 784-16-10 on 1,000 synthetic images, raced by the CPU reference: a few seconds. */
const RUN = { arch: '784-16-10', batch: '50', epochs: '2', limit: '1000', validation: '200', compare: '1' };

let data: { dir: string };
let site: Site;
let browser: Browser;

describe('the page for a new visitor', () => {
  beforeAll(async () => {
    data = await syntheticIdxFolder(1200);
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

  it('passes an accessibility audit before training', async () => {
    expect(await seriousViolations(browser.page)).toEqual([]);
  });

  it('names the progress bar, the charts and the canvases, and announces status in live regions', async () => {
    const { page } = browser;
    expect(await page.getByRole('progressbar', { name: 'Training progress' }).count()).toBe(1);
    for (const name of [/^Training loss per mini-batch/, /^Validation accuracy per epoch/, /^Training throughput/, /what the network sees/]) {
      expect(await page.getByRole('img', { name }).count(), String(name)).toBe(1);
    }
    for (const id of ['run-status', 'prediction', 'model-status', 'data-status']) {
      const live = await page.locator(`#${id}`).evaluate((el) => el.getAttribute('aria-live') ?? ({ status: 'polite', alert: 'assertive' } as Record<string, string>)[el.getAttribute('role') ?? '']);
      expect(live, id).toBe('polite');
    }
  });

  it('shows keyboard focus on the invisible file inputs through their labels', async () => {
    const { page } = browser;
    for (const id of ['data-files', 'data-folder', 'model-file']) {
      await page.locator(`#${id}`).focus();
      const outline = await page.locator(`label:has(#${id})`).evaluate((label) => {
        const style = getComputedStyle(label);
        return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      expect(outline.style, id).not.toBe('none');
      expect(outline.width, id).toBeGreaterThanOrEqual(2);
    }
    await page.locator('#data-files').blur();
  });

  it('explains the architecture format when the field does not parse', async () => {
    const { page } = browser;
    await page.fill('input[name="arch"]', '784-');
    await page.click('#start');
    const message = await page.textContent('#form-error');
    expect(message).toContain('an empty layer');
    expect(message).toContain('e.g. 784-300-100-10');
    await page.fill('input[name="arch"]', RUN.arch);
  });

  it('keeps the form\'s choice when a URL parameter names no option of its list, rather than leaving the list blank', async () => {
    const page = await browser.context.newPage();
    try {
      const unknown = { activation: 'gelu', loss: 'mse', init: 'kaiming', optimizer: 'rmsprop', schedule: 'linear', augment: 'rotate', device: 'tpu' };
      await page.goto(pageUrl(site.url, { ...RUN, ...unknown, lr: '0.05' }));
      await waitForData(page);
      const values = await page.evaluate((names) => names.map((n) => (document.querySelector(`[name="${n}"]`) as HTMLSelectElement).value), Object.keys(unknown));
      expect(values).toEqual(['relu', 'cross-entropy', 'xavier', 'sgd', 'step', 'none', 'gpu']);
      // The parameters that are options still apply.
      expect(await page.inputValue('[name="lr"]')).toBe('0.05');
    } finally {
      await page.close();
    }
  });

  it('keeps Start, Pause, Resume and Stop on one row at 1280 px, and shows no blank weights square before results', async () => {
    const { page } = browser;
    const tops = await page.locator('#setup .buttons button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().top));
    expect(tops).toHaveLength(4);
    expect(new Set(tops).size).toBe(1);
    const weights = await page.locator('#weights-canvas').boundingBox();
    expect(weights === null || weights.height < 50).toBe(true);
  });

  it('trains, labels both epoch times, keeps the race legend to names, and passes the audit with results shown', async () => {
    const { page } = browser;
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    await page.locator('#compare-view .speedup[data-speedup]').waitFor({ timeout: 60_000 });

    const headers = await page.locator('#epoch-table thead th').allTextContents();
    expect(headers.slice(-3)).toEqual(['train samples/s', 'train s', 'epoch s']);
    const [samplesPerSecond, trainSeconds, epochSeconds] = (await page.locator('#epoch-table tbody tr').first().locator('td').allTextContents())
      .slice(-3).map((t) => Number(t.replace(/,/g, '')));
    expect(trainSeconds).toBeLessThanOrEqual(epochSeconds);
    // 1,000 training images at the shown rate take the shown training time (both rounded).
    expect(Math.abs(samplesPerSecond * trainSeconds - 1000)).toBeLessThan(0.01 * samplesPerSecond + 5);

    const compareRows = await page.locator('#compare-view tbody th').allTextContents();
    expect(compareRows).toEqual(expect.arrayContaining(['training samples/s', 'seconds / epoch, with validation']));

    const legends = await page.locator('.u-legend').allTextContents();
    expect(legends.length).toBeGreaterThan(0);
    for (const legend of legends) expect(legend).not.toContain('--');

    expect(await page.locator('#weights-canvas').isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('shows the command that reads a saved model as code, without backticks', async () => {
    const { page } = browser;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-model')]);
    await download.cancel();
    const status = page.locator('#model-status');
    expect(await status.textContent()).not.toContain('`');
    expect(await status.locator('code').textContent()).toBe('wgtrain eval wgtrain-784-16-10.safetensors');
  });

  it('puts Load model before the training results on a phone', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    const top = (id: string) => page.locator(`#${id}`).evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    expect(await top('model')).toBeLessThan(await top('training'));
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('takes a onecycle schedule and AdamW in the form, draws each mini-batch\'s learning rate on the loss chart, and passes the audit', async () => {
    const { page } = browser;
    await page.selectOption('select[name="schedule"]', 'onecycle');
    await page.selectOption('select[name="optimizer"]', 'adamw');
    const field = (name: string) => page.locator(`[name="${name}"]`);
    // Only the step schedule decays per epoch; onecycle warms up by itself; AdamW takes no L2.
    expect([await field('decay').isDisabled(), await field('decay').inputValue()]).toEqual([true, '1']);
    expect(await field('warmup').isDisabled()).toBe(true);
    expect([await field('wd').isDisabled(), await field('l2').inputValue()]).toEqual([false, '0']);
    await field('lr').fill('0.01');
    await field('wd').fill('0.05');
    await field('compare').uncheck();
    await page.click('#start');
    expect(await waitForRunEnd(page)).toBe('done');
    // 1,000 images in mini-batches of 50, 2 epochs: 40 rates, peaking at η = 0.01 after 30% of them.
    const chart = page.locator('#loss-chart');
    expect(Number(await chart.getAttribute('data-rates'))).toBe(40);
    expect(Number(await chart.getAttribute('data-rate-max'))).toBeCloseTo(0.01, 9);
    expect(Number(await chart.getAttribute('data-points'))).toBe(40);
    expect(await page.locator('#loss-caption').textContent()).toContain('learning rate η');
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    await chart.screenshot({ path: join(repoRoot, 'test-results', 'loss-chart-onecycle.png') });
    expect(await seriousViolations(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
