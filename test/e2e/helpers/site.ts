/**
 * The page as users get it: `vite build` into a temporary folder, with MNIST (or any IDX
 * folder) copied in from `dataDir` (WGTRAIN_DATA_DIR), then served by `vite preview` on a
 * free port as `npm run preview` does: from the build alone, with WGTRAIN_DATA_DIR pointing
 * nowhere, so the data the page gets is the copy in the build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { repoRoot } from '../../data/fixtures.ts';

export interface Site {
  url: string;
  outDir: string;
  close(): Promise<void>;
}

export async function startSite(dataDir: string): Promise<Site> {
  process.env.WGTRAIN_DATA_DIR = dataDir;
  const outDir = await mkdtemp(join(tmpdir(), 'wgtrain-site-'));
  const configFile = join(repoRoot, 'vite.config.ts');
  // Quiet: tests build sites without data on purpose, and a loaded machine makes rolldown warn about plugin timings.
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true, rolldownOptions: { checks: { bundlerTimings: false } } } });
  process.env.WGTRAIN_DATA_DIR = join(outDir, 'no-data-folder');
  const server = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview started without a local URL');
  return {
    url,
    outDir,
    async close() {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
