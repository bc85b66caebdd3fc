/**
 * How the page reaches its data, without a browser: the dev server (`npm run dev`) and the
 * static build (`npm run build`, served by `npm run preview`) both offer the IDX files at
 * data/mnist/ with a listing, answer 404 with advice for anything else there, and never serve
 * other files through it. The preview serves the copy in the build (startSite previews with
 * WGTRAIN_DATA_DIR pointing nowhere).
 */
import { readFile, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { repoRoot } from '../data/fixtures.ts';
import { syntheticIdxFolder } from './helpers/fixture-data.ts';
import { startSite, type Site } from './helpers/site.ts';

let data: { dir: string; files: string[] };
let dev: ViteDevServer;
let devUrl: string;
let site: Site;

beforeAll(async () => {
  data = await syntheticIdxFolder(100);
  process.env.WGTRAIN_DATA_DIR = data.dir;
  dev = await createServer({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', server: { host: '127.0.0.1', port: 0 } });
  await dev.listen();
  devUrl = dev.resolvedUrls!.local[0];
  site = await startSite(data.dir, { fresh: true }); // the whole build: this file tests what it copies
}, 60_000);

afterAll(async () => {
  await dev?.close();
  await site?.close();
  if (data) await rm(data.dir, { recursive: true, force: true });
});

describe.each([
  ['the dev server', () => devUrl],
  ['the built site', () => site.url],
])('%s', (_name, base) => {
  it('serves the page', async () => {
    const page = await fetch(base());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>wgtrain');
  });

  it('lists the IDX files in data/mnist/files.json and serves them byte for byte', async () => {
    const listing = await (await fetch(new URL('data/mnist/files.json', base()))).json();
    expect(listing.files.map((f: { name: string }) => f.name).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte']);
    for (const file of data.files) {
      const name = file.split('/').pop()!;
      const response = await fetch(new URL(`data/mnist/${name}`, base()));
      expect(response.status).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(await readFile(file)));
    }
  });

  it('answers a missing data file with a 404 that says how to get MNIST, not with the page', async () => {
    const response = await fetch(new URL('data/mnist/t10k-images-idx3-ubyte.gz', base()));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('npx wgtrain data mnist');
  });

  it('answers a name that is not valid percent-encoding with a plain 400, not an error page with a stack trace', async () => {
    const response = await fetch(`${base().replace(/\/$/, '')}/data/mnist/%`);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('not a valid file name');
    expect(text).not.toContain('URIError');
  });

  it('serves nothing but IDX files from the data folder', async () => {
    const response = await fetch(new URL('data/mnist/..%2f..%2fpackage.json', base()));
    expect(response.status).toBe(404);
  });
});

describe('the static build', () => {
  it('holds the page, a worker with every WGSL kernel, and a copy of the data with its listing', async () => {
    const assets = await readdir(join(site.outDir, 'assets'));
    const worker = assets.find((f) => f.startsWith('train-worker-') && f.endsWith('.js'));
    expect(worker).toBeDefined();
    const code = await readFile(join(site.outDir, 'assets', worker!), 'utf8');
    const kernels = (await readdir(join(repoRoot, 'shaders'))).filter((f) => f.endsWith('.wgsl'));
    for (const k of kernels) {
      const firstLine = (await readFile(join(repoRoot, 'shaders', k), 'utf8')).split('\n')[0];
      expect(code, `${k} is not in the worker bundle`).toContain(firstLine);
    }
    expect((await readdir(join(site.outDir, 'data', 'mnist'))).sort()).toEqual(['files.json', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte']);
  });
});

describe('the dev server with a dangling link named like an IDX file (issue 18, case 9)', () => {
  it('lists it as unreadable and answers the rest, never a 500', async () => {
    const link = join(data.dir, 't10k-images-idx3-ubyte.gz');
    await symlink('/nonexistent', link);
    try {
      const response = await fetch(new URL('data/mnist/files.json', devUrl));
      expect(response.status).toBe(200);
      const listing = await response.json();
      expect(listing.unreadable).toEqual(['t10k-images-idx3-ubyte.gz']);
      expect(listing.files.map((f: { name: string }) => f.name).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte']);
      expect((await fetch(new URL('data/mnist/train-labels-idx1-ubyte', devUrl))).status).toBe(200);
      expect((await fetch(new URL('data/mnist/t10k-images-idx3-ubyte.gz', devUrl))).status).toBe(404);
    } finally {
      await rm(link);
    }
  });
});
