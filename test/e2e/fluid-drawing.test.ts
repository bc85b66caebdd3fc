/**
 * Drawing stays fluid with the `cnn` preset's network loaded (issue 19): in headless
 * Chromium, with a `cnn` model file loaded and nothing training, a digit drawn stroke by
 * stroke with the mouse gets each stroke's prediction within a bound, measured from the
 * stroke's last pointer event to the prediction shown for it (the page's
 * `input-to-prediction` performance measure), and the page's thread runs no more tasks over
 * 50 ms (a PerformanceObserver on 'longtask' entries) than while drawing the same strokes
 * with no model at all: this machine's cores are shared, so a few long tasks are the
 * machine's, not the page's (before the fix, the same strokes made 80 long tasks).
 * After Load, the model status says which adapter the model was trained on and which one
 * runs it here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParams } from '../../src/model/init.ts';
import { saveModel } from '../../src/model/model-file.ts';
import { PRESETS } from '../../src/train/config.ts';
import { launch, type Browser } from './helpers/browser.ts';
import { drawStrokes } from './helpers/page.ts';
import { startSite, type Site } from './helpers/site.ts';

/** Where the saved model says it was trained: another machine's adapter, not the one the page runs on. */
const TRAINED_ON = 'GPU: llvmpipe (LLVM 15.0.6, 256 bits) (opengl, compatibility), matmul vec4';
/** 24 short strokes around an ellipse and across it, like a slow hand drawing an 8 in pieces. */
const STROKES: [number, number][][] = [
  ...Array.from({ length: 16 }, (_, s) =>
    [0, 1, 2].map((i) => {
      const a = (2 * Math.PI * (3 * s + i)) / 48;
      return [0.5 + 0.2 * Math.sin(a), 0.5 - 0.32 * Math.cos(a)] as [number, number];
    }),
  ),
  ...Array.from({ length: 8 }, (_, s) => [[0.32 + 0.045 * s, 0.5], [0.36 + 0.045 * s, 0.5]] as [number, number][]),
];
/**
 * Per-stroke latency bounds: the CPU forward pass of the cnn network in the worker takes
 * tens of milliseconds on one core; the median leaves room for a machine shared with
 * other work, the worst stroke for one scheduling hiccup.
 */
const MEDIAN_LATENCY_MS = 400;
const MAX_LATENCY_MS = 1500;
/**
 * Long tasks allowed beyond those of drawing without a model: scheduling noise on cores
 * shared with other jobs (at a load average of 30 on 2 cores the page made 0–3 and drawing
 * without a model 0–1; the same strokes made 80 before the drawing was made fluid).
 */
const EXTRA_LONG_TASKS = 4;

/** Draws STROKES one at a time; returns the long tasks meanwhile and, with `answered`, waits for each stroke's prediction. */
async function drawWatching(page: Page, answered: boolean): Promise<{ longTasks: number[]; strokeMs: number; latencies: number[] }> {
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[]; longTaskObserver?: PerformanceObserver };
    w.longTaskObserver?.disconnect();
    w.longTasks = [];
    w.longTaskObserver = new PerformanceObserver((list) => w.longTasks.push(...list.getEntries().map((e) => e.duration)));
    w.longTaskObserver.observe({ type: 'longtask' });
  });
  const latencies: number[] = [];
  let strokeMs = 0;
  for (const stroke of STROKES) {
    const t0 = Date.now();
    await drawStrokes(page, [stroke]);
    strokeMs += Date.now() - t0;
    // The pad hands the stroke's end over on the next frame; then wait for the answer to that drawing.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    if (!answered) continue;
    const version = await page.getAttribute('#draw-canvas', 'data-version');
    await page.locator(`#prediction[data-drawing="${version}"]`).waitFor({ timeout: 10_000 });
    latencies.push(Number(await page.getAttribute('#prediction', 'data-latency-ms')));
  }
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  return { longTasks, strokeMs, latencies };
}

let dir: string;
let modelFile: string;
let site: Site;
let browser: Browser;
/** Long tasks while drawing with no model loaded. */
let control: number[];

describe('drawing with the cnn network loaded', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-fluid-'));
    // An untrained cnn-preset network: its forward pass costs what a trained one's does.
    const spec = PRESETS.cnn.model;
    modelFile = join(dir, 'cnn.safetensors');
    await writeFile(modelFile, saveModel(spec, initParams(spec, 1).params, { device: TRAINED_ON, valAccuracy: '0.9921', epochs: '12' }));
    // No data served: nothing but drawing runs in the page.
    [site, browser] = await Promise.all([startSite(join(dir, 'no-data')), launch({ webgpu: true, viewport: { width: 1280, height: 800 } })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws without a model, for comparison', async () => {
    const { page } = browser;
    await page.goto(site.url);
    await page.locator('#adapter-info[data-adapter]').waitFor({ timeout: 30_000 });
    const { longTasks, strokeMs } = await drawWatching(page, false);
    control = longTasks;
    console.log(`without a model: strokes drawn in ${strokeMs} ms; long tasks: [${longTasks.map((d) => d.toFixed(0)).join(', ')}]`);
    expect(await page.textContent('#prediction')).toBe('Train or load a model to classify your drawing.');
    await page.click('#clear-drawing');
  });

  it('loads the model, saying where it was trained and what runs it here', async () => {
    const { page } = browser;
    await page.setInputFiles('#model-file', modelFile);
    await page.locator('#model-status:has-text("Loaded")').waitFor({ timeout: 30_000 });
    const status = (await page.textContent('#model-status')) ?? '';
    expect(status).toContain(`trained on ${TRAINED_ON}`);
    expect(status).toContain('99.21% validation accuracy when saved');
    // The adapter in use here is Chromium's SwiftShader, named as such, apart from the one it was trained on.
    expect(status).toMatch(/Here it runs on GPU: .*swiftshader.* \(validation\) and the CPU reference \(your drawings\)\.$/i);
    expect(status).not.toContain('loss on GPU'); // the old wording, which read as the adapter in use
    expect(browser.errors).toEqual([]);
  });

  // One retry: on CI's 2 cores another test file runs beside this one, and once (a fresh-clone
  // run, 2026-12-07) that alone gave 5 long tasks of 51–74 ms where this file alone gives 0.
  // The page's own regression (80 long tasks before the fix) fails both tries.
  it('answers each stroke quickly, with no more long tasks on the page than drawing without a model', { retry: 1 }, async () => {
    const { page } = browser;
    const { longTasks, strokeMs, latencies } = await drawWatching(page, true);
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const summary =
      `input-to-prediction per stroke: median ${median.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms; ` +
      `strokes drawn in ${strokeMs} ms; long tasks: [${longTasks.map((d) => d.toFixed(0)).join(', ')}] (without a model: ${control.length})`;
    console.log(summary);
    expect(latencies.every((l) => l > 0), summary).toBe(true);
    expect(median, summary).toBeLessThan(MEDIAN_LATENCY_MS);
    expect(sorted.at(-1)!, summary).toBeLessThan(MAX_LATENCY_MS);
    expect(longTasks.length, summary).toBeLessThanOrEqual(control.length + EXTRA_LONG_TASKS);
    // The drawing's feature maps are drawn once they are on screen: four layers of the cnn network.
    await page.locator('#feature-maps-caption').scrollIntoViewIfNeeded();
    await page.locator('#feature-maps .feature-layer[data-layer="3"]').waitFor();
    expect(await page.locator('#feature-maps .feature-layer').count()).toBe(4);
    expect(await page.locator('#feature-maps canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.channels))).toEqual(['16', '16', '32', '32']);
    expect(browser.errors).toEqual([]);
  });
});
