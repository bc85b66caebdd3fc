/**
 * Debian's Chromium, headless, driven by playwright-core (no downloaded browsers). WebGPU
 * runs on SwiftShader, Chromium's CPU implementation of Vulkan, so the tests need no GPU.
 * Each launch gets a fresh profile folder. Console errors of the page and its workers are
 * collected, so a test can require there were none.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.WGTRAIN_CHROMIUM ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'];
/** Without --enable-unsafe-webgpu Chromium on Linux offers no adapter; this also turns the feature off. */
const NO_WEBGPU_ARGS = ['--disable-features=WebGPU'];

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions of the page and its workers, in order. */
  errors: string[];
  close(): Promise<void>;
}

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}, and the page tests drive the page in it: install it with \`apt-get install -y chromium\` ` +
        '(.ci/run does), or set WGTRAIN_CHROMIUM to a Chromium or Chrome binary.',
    );
  }
}

export async function launch(opts: { webgpu: boolean; viewport: { width: number; height: number } }): Promise<Browser> {
  requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'wgtrain-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(opts.webgpu ? WEBGPU_ARGS : NO_WEBGPU_ARGS)],
    viewport: opts.viewport,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console: ${m.text()}`)));
  return {
    page,
    context,
    errors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
