/**
 * The loss chart (a uPlot log axis) once the loss is small. It used to freeze the tab: its
 * y range [min·0.9, max·1.1] sent uPlot's log-axis tick generator into an endless loop
 * whenever min·0.9 fell just under a power of ten (losses of 0.106–0.111, 0.0106–0.0111 …),
 * until it threw `RangeError: Invalid array length` some 30 s later and the chart stopped.
 *
 * Two views of it in headless Chromium: the chart itself fed a loss falling smoothly through
 * every such band (the dev server hands the page's own module to the test), and the whole
 * page training full-batch gradient descent on 100 MNIST images, whose loss falls slowly
 * through 0.0106–0.0111, watched for long tasks.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { mnistDir, repoRoot } from '../data/fixtures.ts';
import type { EpochSummary } from '../../web/shared/worker-protocol.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { pageUrl, waitForData, waitForRunEnd } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

/** What the loss chart's container says it last drew (web/page/training-charts.ts, describeDrawn). */
interface Drawn {
  update: number;
  points: number;
  yMin: number;
  yMax: number;
  lowest: number;
}

describe('the loss chart fed a loss falling from 2.5 to 0.0005', () => {
  let data: { dir: string };
  let dev: ViteDevServer;
  let browser: Browser;

  beforeAll(async () => {
    data = await syntheticIdxFolder(100);
    process.env.WGTRAIN_DATA_DIR = data.dir;
    dev = await createServer({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
    await dev.listen();
    browser = await launch({ webgpu: false, viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await dev?.close();
    if (data) await rm(data.dir, { recursive: true, force: true });
  });

  it('draws every update, on a y range that holds every loss', async () => {
    const { page } = browser;
    await page.goto(dev.resolvedUrls!.local[0]);
    // The page's own module, as the dev server serves it (vitest would rewrite an import() written here).
    await page.addScriptTag({ type: 'module', content: "import { TrainingCharts } from '/page/training-charts.ts'; window.TrainingCharts = TrainingCharts;" });
    await page.waitForFunction(() => 'TrainingCharts' in window);
    // One mini-batch per epoch, each 2% below the last: about 420 updates, several inside every band that froze the chart.
    const drawn: Drawn[] = await page.evaluate(async () => {
      const { TrainingCharts } = window as unknown as { TrainingCharts: typeof import('../../web/page/training-charts.ts').TrainingCharts };
      const box = () => document.body.appendChild(Object.assign(document.createElement('div'), { style: 'width: 600px' }));
      const loss = box();
      const charts = new TrainingCharts(loss, box(), box());
      const updates = Math.ceil(Math.log(2.5 / 0.0005) / -Math.log(0.98));
      charts.reset(1, updates, [['main', { label: 'GPU', color: '#2563eb' }]]);
      const out: Drawn[] = [];
      let value = 2.5;
      for (let update = 1; update <= updates; update++) {
        value = Math.fround(value * 0.98);
        const summary = { epoch: update, stepLoss: Float32Array.of(value), valAccuracy: 0.9, samplesPerSecond: 1000 } as EpochSummary;
        charts.addEpoch('main', summary);
        await new Promise((r) => setTimeout(r)); // uPlot draws in a microtask after setData
        const d = loss.dataset;
        out.push({ update, points: Number(d.points), yMin: Number(d.yMin), yMax: Number(d.yMax), lowest: value });
        if (Number(d.points) !== update) break; // a frozen chart: one is enough
      }
      return out;
    });
    for (const d of drawn) {
      expect(d.points, `update ${d.update} (lowest loss ${d.lowest}) was not drawn`).toBe(d.update);
      expect(d.yMin).toBeLessThanOrEqual(d.lowest);
      expect(d.yMax).toBeGreaterThanOrEqual(2.5 * 0.98);
    }
    expect(drawn.at(-1)!.lowest).toBeLessThan(0.0005);
    expect(browser.errors).toEqual([]);
  }, 120_000);
});

const mnist = mnistDir();

/**
 * Longest task the page may run on its main thread while training. The frozen chart blocked
 * it for tens of seconds (30–40 s in the runs). A healthy page takes 20–60 ms per epoch here (most of it redrawing "Look
 * inside"), but on this project's shared 2-core machine SwiftShader's threads compete with the
 * page's, and single tasks measured up to 421 ms: a frame budget (16 ms, or the long-task API's
 * 50 ms floor) cannot be asserted there without flaking, so the bound is a second, still thirty
 * times below the freeze.
 */
const LONGEST_TASK_MS = 1000;

describe.skipIf(!mnist.dir)(`the page training until the loss is well under 0.1 ${mnist.reason}`, () => {
  let site: Site;
  let browser: Browser;

  beforeAll(async () => {
    [site, browser] = await Promise.all([startSite(mnist.dir!), launch({ webgpu: true, viewport: { width: 1280, height: 800 } })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('keeps drawing the loss chart to the end and never blocks the page', async () => {
    const { page } = browser;
    await page.addInitScript(() => {
      const tasks: { start: number; duration: number }[] = [];
      Object.assign(window, { longTasks: tasks });
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    // Full-batch gradient descent (one mini-batch of all 100 images per epoch) at a constant η:
    // the loss falls smoothly, 1–2% an epoch near 0.01, so the chart is redrawn at every level on the way.
    const epochs = 90;
    await page.goto(pageUrl(site.url, { arch: '784-32-10', limit: '100', batch: '100', validation: '100', epochs: String(epochs), lr: '0.5', decay: '1' }));
    await waitForData(page);
    const startedAt = await page.evaluate(() => performance.now());
    await page.click('#start');
    expect(await waitForRunEnd(page, 240_000)).toBe('done');

    const latest = Number(await page.getAttribute('#loss-summary', 'data-latest'));
    expect(latest).toBeLessThan(0.02);
    const chart = page.locator('#loss-chart');
    expect(Number(await chart.getAttribute('data-points'))).toBe(epochs);
    expect(Number(await chart.getAttribute('data-y-min'))).toBeLessThanOrEqual(latest);

    const tasks = await page.evaluate((t0) => (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks.filter((t) => t.start >= t0), startedAt);
    expect(tasks.filter((t) => t.duration > LONGEST_TASK_MS)).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 300_000);
});
