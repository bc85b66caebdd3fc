import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { DownloadError, downloadDataset, MNIST_FILES, type RemoteFile } from '../../src/data/download.node.ts';
import { resolveDataset } from '../../src/data/resolve.node.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { fakeSet, gzip, md5, writeIdxFolder } from './fixtures.ts';

// Stand-ins for the four MNIST files: small, real gzipped IDX data under the real names.
const train = fakeSet(40, 8, 8);
const test = fakeSet(10, 8, 8);
const content = new Map<string, Uint8Array>([
  ['train-images-idx3-ubyte.gz', gzip(train.imagesFile)],
  ['train-labels-idx1-ubyte.gz', gzip(train.labelsFile)],
  ['t10k-images-idx3-ubyte.gz', gzip(test.imagesFile)],
  ['t10k-labels-idx1-ubyte.gz', gzip(test.labelsFile)],
]);
const FILES: RemoteFile[] = [...content].map(([name, bytes]) => ({ name, md5: md5(bytes) }));
const TRAIN_FILES = FILES.slice(0, 2);

type Behaviour = 'ok' | 'http500' | 'cut' | 'wrong-bytes' | 'html' | 'trickle' | 'endless';
/** Decides how the server answers the n-th request (from 1) for `name` on `mirror`. */
let plan: (mirror: string, name: string, n: number) => Behaviour;
const requests: string[] = [];
let pendingCut: (() => void) | undefined;

let server: Server;
let base: string;
let refusedMirror: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, mirror, name] = (req.url ?? '').split('/');
    requests.push(`${mirror}/${name}`);
    const body = content.get(name);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const n = requests.filter((r) => r === `${mirror}/${name}`).length;
    switch (plan(mirror, name, n)) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': body.length }).end(body);
        return;
      case 'http500':
        res.writeHead(500, 'Internal Server Error').end('boom');
        return;
      case 'wrong-bytes': {
        const bad = body.slice();
        bad[bad.length - 1] ^= 0xff;
        res.writeHead(200, { 'content-length': bad.length }).end(bad);
        return;
      }
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><p>please log in</p>');
        return;
      case 'trickle': {
        // One byte every 50 ms, so the idle timer never fires; after 3 s the rest, all at once.
        res.writeHead(200, { 'content-length': body.length });
        let sent = 0;
        const tick = setInterval(() => {
          if (sent < body.length - 1 && sent < 60) res.write(body.subarray(sent, ++sent));
          else {
            clearInterval(tick);
            res.end(body.subarray(sent));
          }
        }, 50);
        res.on('close', () => clearInterval(tick));
        return;
      }
      case 'endless': {
        // No length, and bytes that never stop (up to 4 MiB here) after the file's own.
        res.writeHead(200, { 'content-type': 'application/x-gzip' });
        res.write(body);
        let sent = 0;
        const more = () => {
          while (sent < 4 * 2 ** 20 && !res.destroyed) {
            sent += 65536;
            if (!res.write(new Uint8Array(65536))) return void res.once('drain', more);
          }
          res.end();
        };
        more();
        return;
      }
      case 'cut':
        // Promise the whole file and send half; the connection drops once the
        // client has shown (through onProgress) that it received those bytes.
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1));
        pendingCut = () => res.socket?.destroy();
        return;
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A port that was just free: connecting to it is refused.
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  refusedMirror = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/gone/`;
  await new Promise<void>((ok) => probe.close(() => ok()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-download-'));
  requests.length = 0;
  plan = () => 'ok';
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mirror = (name: string) => `${base}/${name}/`;

/** An onProgress hook that drops a 'cut' connection after the first bytes arrived, noting what was on disk then. */
function cutAfterFirstBytes(seen: string[][]) {
  return (_file: string, received: number) => {
    if (received > 0 && pendingCut) {
      seen.push(readdirSync(dir));
      pendingCut();
      pendingCut = undefined;
    }
  };
}

async function expectDownloadError(promise: Promise<unknown>): Promise<DownloadError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  return err as DownloadError;
}

describe('downloadDataset', () => {
  it('downloads every file, reporting progress, with the right bytes', async () => {
    const progress: [string, number, number | undefined][] = [];
    const done: string[] = [];
    const result = await downloadDataset(join(dir, 'nested', 'mnist'), FILES, {
      mirrors: [mirror('a')],
      onProgress: (f, r, t) => progress.push([f, r, t]),
      onFileDone: (f, bytes) => done.push(`${f}:${bytes}`),
    });
    expect(result).toEqual({ downloaded: FILES.map((f) => f.name), cached: [] });
    for (const [name, bytes] of content) {
      expect(await readFile(join(dir, 'nested', 'mnist', name))).toEqual(Buffer.from(bytes));
      const last = progress.filter(([f]) => f === name).at(-1);
      expect(last).toEqual([name, bytes.length, bytes.length]);
    }
    expect(done).toEqual([...content].map(([n, b]) => `${n}:${b.length}`));
    expect((await readdir(join(dir, 'nested', 'mnist'))).sort()).toEqual([...content.keys()].sort());
  });

  it('does nothing on a second call when the files are in place', async () => {
    await downloadDataset(dir, FILES, { mirrors: [mirror('a')] });
    const before = requests.length;
    const result = await downloadDataset(dir, FILES, { mirrors: [mirror('a')] });
    expect(result).toEqual({ downloaded: [], cached: FILES.map((f) => f.name) });
    expect(requests.length).toBe(before);
  });

  it('replaces a cached file whose checksum is wrong, and says so', async () => {
    await writeFile(join(dir, TRAIN_FILES[0].name), 'stale bytes');
    const logs: string[] = [];
    const result = await downloadDataset(dir, TRAIN_FILES, { mirrors: [mirror('a')], log: (m) => logs.push(m) });
    expect(result.downloaded).toEqual(TRAIN_FILES.map((f) => f.name));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(new RegExp(`${TRAIN_FILES[0].name} has MD5 [0-9a-f]{32}, expected ${TRAIN_FILES[0].md5}`));
    expect(await readFile(join(dir, TRAIN_FILES[0].name))).toEqual(Buffer.from(content.get(TRAIN_FILES[0].name)!));
  });

  it('leaves no file behind when the checksum does not match', async () => {
    plan = () => 'wrong-bytes';
    const err = await expectDownloadError(downloadDataset(dir, TRAIN_FILES, { mirrors: [mirror('a')] }));
    expect(err.file).toBe(TRAIN_FILES[0].name);
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0].reason).toMatch(new RegExp(`checksum mismatch: got MD5 [0-9a-f]{32} for \\d+ bytes, expected ${TRAIN_FILES[0].md5}`));
    expect(await readdir(dir)).toEqual([]);
  });

  it('moves on to the next mirror after an HTTP error', async () => {
    plan = (m) => (m === 'bad' ? 'http500' : 'ok');
    const result = await downloadDataset(dir, TRAIN_FILES, { mirrors: [mirror('bad'), mirror('good')] });
    expect(result.downloaded).toEqual(TRAIN_FILES.map((f) => f.name));
    expect(requests).toEqual(TRAIN_FILES.flatMap((f) => [`bad/${f.name}`, `good/${f.name}`]));
    expect((await readdir(dir)).sort()).toEqual(TRAIN_FILES.map((f) => f.name).sort());
  });

  it('moves on after a refused connection', async () => {
    const result = await downloadDataset(dir, TRAIN_FILES.slice(0, 1), { mirrors: [refusedMirror, mirror('good')] });
    expect(result.downloaded).toEqual([TRAIN_FILES[0].name]);
  });

  it('leaves no partial file when the connection drops halfway, and a retry succeeds', async () => {
    plan = (_m, _name, n) => (n === 1 ? 'cut' : 'ok');
    const target = TRAIN_FILES[0];
    const size = content.get(target.name)!.length;
    const seen: string[][] = [];
    const err = await expectDownloadError(
      downloadDataset(dir, [target], { mirrors: [mirror('a')], onProgress: cutAfterFirstBytes(seen) }),
    );
    expect(err.failures[0].reason).toMatch(new RegExp(`connection lost after [1-9]\\d* of ${size} bytes`));
    // Halfway, the bytes were in a hidden temporary file, never under the final name.
    expect(seen).toEqual([[`.${target.name}.partial-${process.pid}`]]);
    expect(await readdir(dir)).toEqual([]);

    const result = await downloadDataset(dir, [target], { mirrors: [mirror('a')] });
    expect(result.downloaded).toEqual([target.name]);
    expect(await readFile(join(dir, target.name))).toEqual(Buffer.from(content.get(target.name)!));
    expect(await readdir(dir)).toEqual([target.name]);
  });

  it('falls through to the next mirror when one drops the connection', async () => {
    plan = (m) => (m === 'flaky' ? 'cut' : 'ok');
    const seen: string[][] = [];
    const result = await downloadDataset(dir, TRAIN_FILES, {
      mirrors: [mirror('flaky'), mirror('good')],
      onProgress: cutAfterFirstBytes(seen),
    });
    expect(result.downloaded).toHaveLength(2);
    expect(seen).toHaveLength(2);
    expect((await readdir(dir)).sort()).toEqual(TRAIN_FILES.map((f) => f.name).sort());
  });

  it('lists every mirror failure and how to get the data another way', async () => {
    plan = (m) => (m === 'html' ? 'html' : 'http500');
    const err = await expectDownloadError(
      downloadDataset(dir, FILES, { mirrors: [mirror('broken'), mirror('html'), refusedMirror] }),
    );
    expect(err.failures.map((f) => f.url)).toEqual([
      `${mirror('broken')}${FILES[0].name}`,
      `${mirror('html')}${FILES[0].name}`,
      `${refusedMirror}${FILES[0].name}`,
    ]);
    expect(err.message).toContain(`${mirror('broken')}${FILES[0].name}: HTTP 500 Internal Server Error`);
    expect(err.message).toContain(`${mirror('html')}${FILES[0].name}: the server sent an HTML page`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).toContain('--data DIR');
    expect(err.message).toContain('train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz');
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up on a mirror that trickles bytes, at the overall deadline', async () => {
    plan = (m) => (m === 'slow' ? 'trickle' : 'ok');
    const started = performance.now();
    const err = await expectDownloadError(downloadDataset(dir, TRAIN_FILES.slice(1), { mirrors: [mirror('slow')], timeoutMs: 1000, deadlineMs: 800 }));
    expect(performance.now() - started).toBeLessThan(2500);
    expect(err.failures[0].reason).toMatch(/^too slow: \d+ bytes in 0\.8 s, the longest a file may take$/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('gives up on a trickle at the minimum rate, long before the overall deadline', async () => {
    // 20 bytes/s against 1,000 bytes/s over 0.4 s; the trickle would finish after 3 s.
    plan = (m) => (m === 'slow' ? 'trickle' : 'ok');
    const started = performance.now();
    const opts = { timeoutMs: 5000, deadlineMs: 60_000, minRate: { bytesPerSecond: 1000, windowMs: 400 } };
    const err = await expectDownloadError(downloadDataset(dir, TRAIN_FILES.slice(1), { mirrors: [mirror('slow')], ...opts }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err.failures[0].reason).toMatch(/^too slow: \d+ bytes in the last 0\.4 s, under the 1000 bytes\/s a download must keep up$/);
    expect(await readdir(dir)).toEqual([]);
    // The next mirror is tried at once.
    const result = await downloadDataset(dir, TRAIN_FILES.slice(1), { mirrors: [mirror('slow'), mirror('ok')], ...opts });
    expect(result.downloaded).toEqual([TRAIN_FILES[1].name]);
  });

  it('stops reading at the size the file is known to have, and refuses a larger announced length', async () => {
    const [labels] = TRAIN_FILES.slice(1);
    const sized = { ...labels, size: content.get(labels.name)!.length };
    plan = (m) => (m === 'endless' ? 'endless' : 'ok');
    const err = await expectDownloadError(downloadDataset(dir, [sized], { mirrors: [mirror('endless')] }));
    expect(err.failures[0].reason).toBe(`the server sent more than the ${sized.size} bytes ${sized.name} has`);
    expect(await readdir(dir)).toEqual([]);

    const small = { ...sized, size: sized.size - 1 };
    plan = () => 'ok';
    const announced = await expectDownloadError(downloadDataset(dir, [small], { mirrors: [mirror('ok')] }));
    expect(announced.failures[0].reason).toBe(`the server announces ${sized.size} bytes, but ${small.name} has ${small.size}`);
  });

  it('lists the real MNIST checksums', () => {
    expect(MNIST_FILES.map((f) => f.name)).toEqual([...content.keys()]);
    expect(MNIST_FILES[0].md5).toBe('f68b3c2dcbeaaa9fbdd348bbdeb94873');
  });
});

describe('downloadDataset: a failed download keeps the cache valid, and a retry works', () => {
  const [first, second] = TRAIN_FILES;
  const failures: [Behaviour | 'refused', RegExp][] = [
    ['wrong-bytes', /checksum mismatch: got MD5 [0-9a-f]{32} for \d+ bytes, expected [0-9a-f]{32}/],
    ['http500', /HTTP 500 Internal Server Error/],
    ['cut', /connection lost after [1-9]\d* of \d+ bytes/],
    ['html', /the server sent an HTML page instead of the file/],
    ['refused', /fetch failed \(ECONNREFUSED: connection refused\)/],
  ];

  for (const [failure, reason] of failures) {
    it(`${failure}: the verified file already there is untouched, the failed one leaves nothing, a retry fetches only it`, async () => {
      await downloadDataset(dir, [first], { mirrors: [mirror('a')] });
      const firstPath = join(dir, first.name);
      const before = await stat(firstPath);

      plan = (_m, name, n) => (name === second.name && n === 1 && failure !== 'refused' ? failure : 'ok');
      const failing = failure === 'refused' ? refusedMirror : mirror('a');
      const err = await expectDownloadError(
        downloadDataset(dir, TRAIN_FILES, { mirrors: [failing], onProgress: cutAfterFirstBytes([]) }),
      );
      expect(err.file).toBe(second.name);
      expect(err.failures.map((f) => f.reason)).toEqual([expect.stringMatching(reason)]);
      // Only the verified file is in the folder: no partial file, nothing under the failed name.
      expect(await readdir(dir)).toEqual([first.name]);
      const after = await stat(firstPath);
      expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
      expect(md5(await readFile(firstPath))).toBe(first.md5);

      const start = requests.length;
      const retry = await downloadDataset(dir, TRAIN_FILES, { mirrors: [mirror('a')] });
      expect(retry).toEqual({ downloaded: [second.name], cached: [first.name] });
      expect(requests.slice(start)).toEqual([`a/${second.name}`]);
      expect((await readdir(dir)).sort()).toEqual([first.name, second.name].sort());
      const ds = await loadIdxDataset(dir);
      expect(ds.train.count).toBe(40);
      expect(ds.train.labels).toEqual(train.labels);
    });
  }

  it('wgtrain data mnist exits 1, naming the file and each mirror failure, and leaves nothing in the folder', async () => {
    // The stand-in files cannot match the real MNIST checksums the command uses.
    plan = (m) => (m === 'down' ? 'http500' : 'ok');
    const target = join(dir, 'mnist');
    const r = await wgtrainHere('data', 'mnist', '--dir', target, '--mirror', mirror('down'), mirror('a'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`wgtrain: could not download ${MNIST_FILES[0].name} into ${target}:`);
    expect(r.stderr).toContain(`${mirror('down')}${MNIST_FILES[0].name}: HTTP 500 Internal Server Error`);
    expect(r.stderr).toMatch(new RegExp(`${mirror('a')}${MNIST_FILES[0].name}: checksum mismatch: got MD5 [0-9a-f]{32} for \\d+ bytes, expected ${MNIST_FILES[0].md5}`));
    expect(r.stderr).toContain('--data DIR');
    expect(await readdir(target)).toEqual([]);
  });

  it('removes partial files left by a killed download, keeping those of a running process', async () => {
    const stale = `.${first.name}.partial-999999999`;
    const live = `.${first.name}.partial-${process.ppid}`;
    const unrelated = '.notes.partial-999999999';
    for (const name of [stale, live, unrelated]) await writeFile(join(dir, name), 'half a file');
    const logs: string[] = [];
    await downloadDataset(dir, [first], { mirrors: [mirror('a')], log: (m) => logs.push(m) });
    expect((await readdir(dir)).sort()).toEqual([live, unrelated, first.name].sort());
    expect(logs).toEqual([`removed ${join(dir, stale)}, left behind by an interrupted download`]);
  });
});

describe('resolveDataset', () => {
  const withMirrors = (...mirrors: string[]): typeof downloadDataset =>
    // The real MNIST checksums cannot match the stand-in files, so swap in theirs.
    (target, _files, opts) => downloadDataset(target, FILES, { ...opts, mirrors });

  it('downloads MNIST into <projectRoot>/data/mnist and loads it', async () => {
    const logs: string[] = [];
    const progress: string[] = [];
    const ds = await resolveDataset({
      projectRoot: dir,
      log: (m) => logs.push(m),
      download: withMirrors(mirror('a')),
      onProgress: (f) => progress.push(f),
      fashionDir: join(dir, 'no-fashion'),
    });
    expect(ds.name).toBe('mnist');
    expect(ds.source).toBe(join(dir, 'data', 'mnist'));
    expect(ds.train.count).toBe(40);
    expect(ds.test?.count).toBe(10);
    expect(new Set(progress)).toEqual(new Set(content.keys()));
    expect(logs.join('\n')).toContain(`into ${join(dir, 'data', 'mnist')}`);
  });

  it('loads the --data folder without downloading', async () => {
    await writeIdxFolder(join(dir, 'mine'), { train: 7 });
    const ds = await resolveDataset({
      data: join(dir, 'mine'),
      projectRoot: dir,
      log: () => {},
      download: () => Promise.reject(new Error('must not be called')),
    });
    expect(ds.name).toBe('mine');
    expect(ds.train.count).toBe(7);
  });

  it('falls back to Fashion-MNIST when the download fails', async () => {
    plan = () => 'http500';
    const fashionDir = join(dir, 'fashion-mnist');
    await writeIdxFolder(fashionDir, { train: 9, test: 3 });
    const logs: string[] = [];
    const ds = await resolveDataset({
      projectRoot: dir,
      log: (m) => logs.push(m),
      download: withMirrors(mirror('down')),
      fashionDir,
    });
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.source).toBe(fashionDir);
    expect(ds.train.count).toBe(9);
    const text = logs.join('\n');
    // The failure is told once, with the fallback; the run's header repeats the fallback (ds.fallback).
    expect(text.match(/could not download train-images-idx3-ubyte\.gz/g)).toHaveLength(1);
    expect(text).toMatch(/^MNIST could not be downloaded \(could not download train-images-idx3-ubyte\.gz/);
    expect(text).toContain(`falling back to Fashion-MNIST from ${fashionDir}`);
    expect(text).toContain('--data DIR');
    expect(ds.fallback).toMatch(/^Fashion-MNIST \(clothing, not digits\) because MNIST could not be downloaded: could not download train-images/);
    expect(await readdir(join(dir, 'data', 'mnist'))).toEqual([]);
  });

  it('keeps the MNIST training set when only the test files fail', async () => {
    plan = (_m, name) => (name.startsWith('t10k') ? 'http500' : 'ok');
    const logs: string[] = [];
    const ds = await resolveDataset({
      projectRoot: dir,
      log: (m) => logs.push(m),
      download: withMirrors(mirror('a')),
      fashionDir: join(dir, 'no-fashion'),
    });
    expect(ds.name).toBe('mnist');
    expect(ds.train.count).toBe(40);
    expect(ds.test).toBeUndefined();
    expect(logs.join('\n')).toContain('without a test set');
    expect(ds.fallback).toMatch(/^MNIST without its test set/);
  });

  it('throws the download error with advice when there is nothing to fall back to, without also logging it', async () => {
    plan = () => 'http500';
    const logs: string[] = [];
    const err = await expectDownloadError(
      resolveDataset({
        projectRoot: dir,
        log: (m) => logs.push(m),
        download: withMirrors(mirror('down')),
        fashionDir: join(dir, 'no-fashion'),
      }),
    );
    expect(err.message).toContain('--data DIR');
    // The CLI prints the error; a log line saying the same before it made the failure appear twice.
    expect(logs.filter((l) => l.includes('could not download'))).toEqual([]);
  });
});
