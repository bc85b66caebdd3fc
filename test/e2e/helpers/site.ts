/**
 * The page as users get it: `vite build` into a temporary folder, with MNIST (or any IDX
 * folder) copied in from `dataDir` (WGTRAIN_DATA_DIR), then served by `vite preview` on a
 * free port as `npm run preview` does: from the build alone, with WGTRAIN_DATA_DIR pointing
 * nowhere, so the data the page gets is the copy in the build.
 *
 * The e2e files share one build of the page per source tree (built by the first file that
 * asks, under a lock, kept in the system's temporary folder under a hash of the sources);
 * each site is a copy of it with its own data added as the build adds it (copyMnistInto).
 * `{ fresh: true }` runs the whole build instead, for the test of the build itself.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, preview } from 'vite';
import { copyMnistInto } from '../../../vite.config.ts';
import { repoRoot } from '../../data/fixtures.ts';

export interface Site {
  url: string;
  outDir: string;
  close(): Promise<void>;
}

const configFile = join(repoRoot, 'vite.config.ts');
/** What the page's bundle is made of: a change to any of these makes a new shared build. */
const SOURCES = ['web', 'src', 'shaders', 'vite.config.ts', 'package-lock.json'];
const CACHE = join(tmpdir(), 'wgtrain-e2e-site');
/** A build takes seconds; a lock older than this was left by a run that died. */
const STALE_LOCK_MS = 5 * 60_000;

async function viteBuild(outDir: string): Promise<void> {
  // Quiet: tests build sites without data on purpose, and a loaded machine makes rolldown warn about plugin timings.
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true, rolldownOptions: { checks: { bundlerTimings: false } } } });
}

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const top of SOURCES) {
    for (const file of await filesUnder(join(repoRoot, top))) hash.update(relative(repoRoot, file)).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared build of the page without data (built here when no file has built this tree yet). */
async function sharedBuild(): Promise<string> {
  const dir = join(CACHE, await sourcesHash());
  const lock = `${dir}.lock`;
  await mkdir(CACHE, { recursive: true });
  for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; ) {
    if (await exists(dir)) return dir;
    try {
      await mkdir(lock);
    } catch {
      const held = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (held > STALE_LOCK_MS) await rmdir(lock).catch(() => {});
      await sleep(250);
      continue;
    }
    try {
      const building = `${dir}.${process.pid}`;
      const dataDir = process.env.WGTRAIN_DATA_DIR;
      process.env.WGTRAIN_DATA_DIR = join(CACHE, 'no-data-folder');
      try {
        await viteBuild(building);
      } finally {
        process.env.WGTRAIN_DATA_DIR = dataDir;
      }
      await rename(building, dir);
      return dir;
    } finally {
      await rmdir(lock);
    }
  }
  throw new Error(`no shared build of the page appeared in ${dir} within 10 minutes (remove ${lock} if no test run is building it)`);
}

export async function startSite(dataDir: string, { fresh = false } = {}): Promise<Site> {
  const outDir = await mkdtemp(join(tmpdir(), 'wgtrain-site-'));
  if (fresh) {
    process.env.WGTRAIN_DATA_DIR = dataDir;
    await viteBuild(outDir);
  } else {
    await cp(await sharedBuild(), outDir, { recursive: true });
    copyMnistInto(dataDir, outDir);
  }
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
