/** Driving the page as a user does: URL parameters for the form, clicks, files, strokes on the drawing pad. */
import type { Page } from 'playwright-core';

/** A run small enough for SwiftShader: 784-32-10 on 1,000 images, 2 epochs, validated on 1,000. */
export const SMALL_RUN = { arch: '784-32-10', batch: '50', epochs: '2', limit: '1000', validation: '1000' };

export function pageUrl(base: string, params: Record<string, string> = {}): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

export async function waitForData(page: Page): Promise<string> {
  await page.locator('#data-status[data-state="ready"]').waitFor({ timeout: 60_000 });
  return (await page.textContent('#data-status')) ?? '';
}

/** Waits until the run ends; returns its final state ('done', 'stopped' or 'failed'). */
export async function waitForRunEnd(page: Page, timeout = 120_000): Promise<string> {
  const end = page.locator('#run-status[data-state="done"], #run-status[data-state="stopped"], #run-status[data-state="failed"]');
  await end.waitFor({ timeout });
  return (await end.getAttribute('data-state'))!;
}

/** Shapes in pad coordinates (0..1 across, 0..1 down), each a list of strokes. */
export const DIGIT_STROKES: Record<string, [number, number][][]> = {
  // A slightly slanted vertical bar.
  '1': [[[0.52, 0.14], [0.5, 0.5], [0.48, 0.86]]],
  // An upright ellipse, closed.
  '0': [Array.from({ length: 41 }, (_, i) => {
    const a = (2 * Math.PI * i) / 40;
    return [0.5 + 0.22 * Math.sin(a), 0.5 - 0.33 * Math.cos(a)] as [number, number];
  })],
  // A bar across the top and a long diagonal down.
  '7': [[[0.25, 0.18], [0.75, 0.18], [0.42, 0.86]]],
};

/**
 * For drawStrokes: one pointer event per point of the strokes. The pad joins events with
 * straight round-capped segments, so this draws the same strokes as the hand's pace does, in
 * a fifth of the events or fewer (each a round trip to Chromium, and with a model loaded a
 * classification): for tests that need the drawing, not the pace (fluid-drawing's subject).
 */
export const BY_POINT = { step: Infinity };

/**
 * Draws strokes with the mouse, pointer-down to pointer-up, in small steps like a hand: one
 * pointer event per `step` of the pad's width (3%). The pad joins events with straight
 * segments, so a larger step draws the same strokes in fewer events (each one a round trip to
 * the browser), for tests that need the drawing and not the hand's pace.
 */
export async function drawStrokes(page: Page, strokes: [number, number][][], { step = 0.03 } = {}): Promise<void> {
  const pad = page.locator('#draw-canvas');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    let last = stroke[0];
    for (const point of stroke.slice(1)) {
      // By default about one pointer event per 3% of the pad, as a hand moving at a moderate speed produces.
      await page.mouse.move(...at(point), { steps: Math.max(1, Math.round(Math.hypot(point[0] - last[0], point[1] - last[1]) / step)) });
      last = point;
    }
    await page.mouse.up();
  }
}

/** The page's verdict on the finished drawing: the winning digit and the ten bar values. */
export async function prediction(page: Page): Promise<{ digit: number; values: number[]; text: string }> {
  // The pad hands its last update over on the next animation frame; then wait for the answer to it.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.locator('#prediction[data-digit]:not([aria-busy])').waitFor({ timeout: 30_000 });
  const text = (await page.textContent('#prediction')) ?? '';
  const values = await page.locator('#probability-bars .bar-row').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.value)));
  return { digit: Number(await page.getAttribute('#prediction', 'data-digit')), values, text };
}
