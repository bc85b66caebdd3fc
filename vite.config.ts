/**
 * The web page (web/): `npm run dev` serves it, `npm run build` writes a static site to dist/,
 * `npm run preview` serves that site. All make MNIST available to the page at data/mnist/: the
 * dev server serves the IDX files from data/mnist/ (or WGTRAIN_DATA_DIR), the build copies them
 * into dist/data/mnist/ when they are there, and the preview serves that copy, as any web
 * server hosting dist/ would. Tests use vitest.config.ts, not this file.
 */
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { idxFileRole } from './src/data/dataset.ts';
import { DATA_LISTING } from './web/page/data-source.ts';

const ROOT = dirname(fileURLToPath(import.meta.url));
/** URL path (under the site's base) where the page looks for MNIST. */
const DATA_ROUTE = '/data/mnist/';

function dataDir(): string {
  return resolve(ROOT, process.env.WGTRAIN_DATA_DIR ?? 'data/mnist');
}

/**
 * The standard IDX files in `dir` (only those names are ever served or copied), with their
 * sizes; entries named like IDX files that cannot be read as files (a dangling link, a
 * folder) are listed apart as unreadable instead of failing the whole answer.
 */
function idxEntries(dir: string): { files: { name: string; size: number }[]; unreadable: string[] } {
  const files: { name: string; size: number }[] = [];
  const unreadable: string[] = [];
  if (!existsSync(dir)) return { files, unreadable };
  for (const name of readdirSync(dir).filter((n) => idxFileRole(n))) {
    try {
      const info = statSync(join(dir, name));
      if (info.isFile()) files.push({ name, size: info.size });
      else unreadable.push(name);
    } catch {
      unreadable.push(name);
    }
  }
  return { files, unreadable };
}

const idxFiles = (dir: string) => idxEntries(dir).files.map((f) => f.name);

/** What the page reads first (web/page/data-source.ts), so it asks only for files that exist. */
function listing(dir: string): string {
  return JSON.stringify(idxEntries(dir));
}

/** Serves DATA_ROUTE from the data folder; anything else under it is a 404 that says `advice`, never the page itself. */
function serveData(dir: string, advice: string): Connect.NextHandleFunction {
  return (req: IncomingMessage, res: ServerResponse, next: Connect.NextFunction) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith(DATA_ROUTE)) return next();
    let name: string;
    try {
      name = decodeURIComponent(path.slice(DATA_ROUTE.length));
    } catch {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`${path} is not a valid file name (broken percent-encoding).\n`);
      return;
    }
    if (name === DATA_LISTING) {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(listing(dir));
      return;
    }
    if (!idxFiles(dir).includes(name)) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`${name} is not in ${dir}: ${advice}\n`);
      return;
    }
    const file = join(dir, name);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    res.setHeader('Cache-Control', 'no-cache');
    createReadStream(file).pipe(res);
  };
}

/**
 * What the build does with the data: the IDX files of `dir` copied into the site's
 * data/mnist/ with their listing. Returns the names copied (none: nothing written). The e2e
 * tests' shared build (test/e2e/helpers/site.ts) adds each test's data the same way.
 */
export function copyMnistInto(dir: string, site: string): string[] {
  const files = idxFiles(dir);
  if (files.length === 0) return files;
  const target = join(site, DATA_ROUTE);
  mkdirSync(target, { recursive: true });
  for (const name of files) copyFileSync(join(dir, name), join(target, name));
  writeFileSync(join(target, DATA_LISTING), listing(dir));
  return files;
}

function mnistData(): Plugin {
  let outDir = '';
  return {
    name: 'wgtrain-mnist-data',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(serveData(dataDir(), 'run "npx wgtrain data mnist" there, or set WGTRAIN_DATA_DIR to a folder with the MNIST IDX files.'));
    },
    configurePreviewServer(server) {
      // What the build copied, not the data folder: the preview shows the site as it will be hosted.
      server.middlewares.use(serveData(join(outDir, DATA_ROUTE), 'this is the copy the build made; run "npx wgtrain data mnist" (or set WGTRAIN_DATA_DIR) and build again.'));
    },
    writeBundle() {
      const dir = dataDir();
      const files = copyMnistInto(dir, outDir);
      if (files.length === 0) {
        this.warn(`no MNIST in ${dir}: the built page will ask for IDX files (serve data/mnist/ next to it, or run \`npx wgtrain data mnist\` and build again)`);
        return;
      }
      this.info(`copied ${files.join(', ')} from ${dir} into ${join(outDir, DATA_ROUTE)}`);
    },
  };
}

export default defineConfig({
  root: 'web',
  // Relative URLs, so the built site works from any folder of any web server.
  base: './',
  plugins: [mnistData()],
  worker: { format: 'es' },
  build: {
    outDir: resolve(ROOT, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: { fs: { allow: [ROOT] } },
});
