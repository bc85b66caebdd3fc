// The named data sets end to end against a local HTTP server serving small stand-ins of each
// format under the real file names: IDX files (KMNIST), NIST's EMNIST gzip.zip and CIFAR-10's
// cifar-10-binary.tar.gz. The catalog's checksums are swapped for the stand-ins'.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { knownEntry, type CatalogEntry } from '../../src/data/catalog.ts';
import { DownloadError } from '../../src/data/download.node.ts';
import { loadNamedDataset, type NamedOptions } from '../../src/data/named.node.ts';
import { resolveDataset } from '../../src/data/resolve.node.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { cifarTarGz, emnistSplit, emnistZip } from './archive-fixtures.ts';
import { fakeSet, gzip, writeIdxFolder } from './fixtures.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const kmnistTrain = fakeSet(30, 28, 28);
const kmnistTest = fakeSet(6, 28, 28);
const kmnistFiles = new Map([
  ['train-images-idx3-ubyte.gz', gzip(kmnistTrain.imagesFile)],
  ['train-labels-idx1-ubyte.gz', gzip(kmnistTrain.labelsFile)],
  ['t10k-images-idx3-ubyte.gz', gzip(kmnistTest.imagesFile)],
  ['t10k-labels-idx1-ubyte.gz', gzip(kmnistTest.labelsFile)],
]);
const letters = emnistSplit('letters', 20, 5);
const digits = emnistSplit('digits', 12, 4);
const PER_BATCH = 3;

/** mirror name → file name → bytes. */
const served = new Map<string, Map<string, Uint8Array>>();
const requests: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  served.set('kmnist', kmnistFiles);
  served.set('emnist', new Map([['gzip.zip', emnistZip(letters, digits)]]));
  served.set('cifar', new Map([['cifar-10-binary.tar.gz', await cifarTarGz(PER_BATCH)]]));
  served.set('cifar-no-test', new Map([['cifar-10-binary.tar.gz', await cifarTarGz(PER_BATCH, { omit: 'test_batch.bin' })]]));
  server = createServer((req, res) => {
    const [, mirror, name] = (req.url ?? '').split('/');
    requests.push(`${mirror}/${name}`);
    const body = served.get(mirror)?.get(name);
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wgtrain-named-'));
  requests.length = 0;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The catalog entry with the stand-ins' checksums and sizes, served from `mirror`. */
function standIn(name: string, mirror: string, bytesFrom = mirror): CatalogEntry {
  const entry = knownEntry(name);
  const files = entry.files.map((f) => {
    const bytes = served.get(bytesFrom)!.get(f.name)!;
    return { name: f.name, sha256: sha256(bytes), size: bytes.length };
  });
  return { ...entry, files, mirrors: [`${base}/${mirror}/`] };
}

const logs: string[] = [];
const opts = (more: Partial<NamedOptions> = {}): NamedOptions => ({ projectRoot: root, log: (m) => logs.push(m), systemDirs: [], ...more });

describe('loadNamedDataset', () => {
  it('kmnist: downloads the four IDX files into data/kmnist, names the classes, and uses the verified copy next time', async () => {
    const entry = standIn('kmnist', 'kmnist');
    const ds = await loadNamedDataset(entry, opts());
    expect(ds.name).toBe('kmnist');
    expect(ds.source).toBe(join(root, 'data', 'kmnist'));
    expect([ds.train.count, ds.test?.count, ds.train.channels]).toEqual([30, 6, 1]);
    expect(ds.train.labels).toEqual(kmnistTrain.labels);
    expect(ds.classNames).toEqual(['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を']);
    expect(requests).toHaveLength(4);
    const again = await loadNamedDataset(entry, opts());
    expect(again.train.images).toEqual(ds.train.images);
    expect(requests).toHaveLength(4);
  });

  it("fashion-mnist: a system package's copy is used while there is no downloaded one, and the download once there is", async () => {
    const system = join(root, 'usr-share');
    const installed = await writeIdxFolder(system, { train: 9, test: 3 });
    const entry = standIn('fashion-mnist', 'kmnist');
    logs.length = 0;
    const ds = await loadNamedDataset(entry, opts({ systemDirs: [system] }));
    expect([ds.name, ds.source, ds.train.count]).toEqual(['fashion-mnist', system, 9]);
    expect(ds.train.labels).toEqual(installed.train.labels);
    expect(ds.classNames?.slice(0, 2)).toEqual(['T-shirt/top', 'Trouser']);
    expect(requests).toEqual([]);
    expect(logs).toEqual([`Fashion-MNIST from ${system} (installed by a system package; not downloaded into ${join(root, 'data', 'fashion-mnist')})`]);

    // Downloaded (as `wgtrain data fashion-mnist` does), the cached copy is what is read.
    await loadNamedDataset(entry, opts());
    expect(requests).toHaveLength(4);
    const cached = await loadNamedDataset(entry, opts({ systemDirs: [system] }));
    expect([cached.source, cached.train.count]).toEqual([join(root, 'data', 'fashion-mnist'), 30]);
    expect(requests).toHaveLength(4);
  });

  it('emnist-letters then emnist-digits: one gzip.zip download into data/emnist, each split unpacked beside it, images upright', async () => {
    const lettersEntry = standIn('emnist-letters', 'emnist');
    const ds = await loadNamedDataset(lettersEntry, opts());
    expect(ds.name).toBe('emnist-letters');
    expect(ds.source).toBe(join(root, 'data', 'emnist', 'letters'));
    expect(ds.train.images).toEqual(letters.train.upright);
    expect([...ds.train.labels]).toEqual([...letters.train.labels].map((l) => l - 1));
    expect(ds.test?.images).toEqual(letters.test.upright);
    expect(ds.classNames).toEqual([...'abcdefghijklmnopqrstuvwxyz']);
    expect(requests).toEqual(['emnist/gzip.zip']);

    const d = await loadNamedDataset(standIn('emnist-digits', 'emnist'), opts());
    expect(d.train.images).toEqual(digits.train.upright);
    expect([...d.train.labels]).toEqual([...digits.train.labels]);
    expect(requests).toEqual(['emnist/gzip.zip']);
    expect((await readdir(join(root, 'data', 'emnist'))).sort()).toEqual(['digits', 'gzip.zip', 'letters']);
    expect((await readdir(join(root, 'data', 'emnist', 'digits'))).sort()).toEqual([...digits.files.keys()].sort());
  });

  it('cifar10: downloads cifar-10-binary.tar.gz, unpacks the batches into data/cifar10/cifar-10-batches-bin, three channels', async () => {
    // What a killed unpack leaves behind is removed.
    const stale = join(root, 'data', 'cifar10', '.unpack-999999999');
    await mkdir(join(stale, 'cifar-10-batches-bin'), { recursive: true });
    logs.length = 0;
    const ds = await loadNamedDataset(standIn('cifar10', 'cifar'), opts());
    expect(logs).toContain(`removed ${stale}, left behind by an interrupted unpack`);
    expect(ds.name).toBe('cifar10');
    expect(ds.source).toBe(join(root, 'data', 'cifar10', 'cifar-10-batches-bin'));
    expect([ds.train.count, ds.test?.count, ds.train.channels, ds.train.rows, ds.train.cols]).toEqual([5 * PER_BATCH, PER_BATCH, 3, 32, 32]);
    // Batch n's record i has label (n + 3i) mod 10, batches in order 1…5.
    expect([...ds.train.labels]).toEqual([1, 2, 3, 4, 5].flatMap((n) => [0, 1, 2].map((i) => (n + 3 * i) % 10)));
    expect(ds.classNames?.[9]).toBe('truck');
    expect((await readdir(join(root, 'data', 'cifar10'))).sort()).toEqual(['cifar-10-batches-bin', 'cifar-10-binary.tar.gz']);
    expect((await readdir(join(root, 'data', 'cifar10', 'cifar-10-batches-bin'))).sort()).toEqual([
      'batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin',
    ]);
  });

  it('cifar10: an archive that checks out but lacks a batch is refused, leaving no unpacked folder', async () => {
    const err = await loadNamedDataset(standIn('cifar10', 'cifar-no-test'), opts()).then(() => null, (e: Error) => e);
    expect(err?.message).toBe(
      `${join(root, 'data', 'cifar10', 'cifar-10-binary.tar.gz')} holds no cifar-10-batches-bin/test_batch.bin: it is not CIFAR-10's binary archive; delete it and download again`,
    );
    expect(await readdir(join(root, 'data', 'cifar10'))).toEqual(['cifar-10-binary.tar.gz']);
  });

  it('a download with the wrong SHA-256 leaves nothing and says how to do without downloading', async () => {
    const entry = { ...standIn('cifar10', 'cifar'), files: [{ ...standIn('cifar10', 'cifar').files[0], sha256: '0'.repeat(64) }] };
    const err = await loadNamedDataset(entry, opts()).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    const cacheDir = join(root, 'data', 'cifar10');
    expect((err as Error).message).toMatch(/checksum mismatch: got SHA-256 [0-9a-f]{64} for \d+ bytes, expected 0{64}/);
    expect((err as Error).message).toContain(
      `To use cifar10 without downloading, put cifar-10-binary.tar.gz into ${cacheDir} by some other means (checked against SHA-256 on the next run), ` +
        'or unpack it and pass --data DIR with the folder holding data_batch_1.bin … test_batch.bin.',
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });
});

describe('resolveDataset with --data NAME', () => {
  it('loads a named data set from its cache, and a folder of that name given as a path as a folder', async () => {
    await writeIdxFolder(join(root, 'data', 'kmnist'), { train: 7 });
    const download: NamedOptions['download'] = async (dir, files) => ({ downloaded: [], cached: files.map((f) => f.name) });
    const named = await resolveDataset({ data: 'kmnist', projectRoot: root, log: () => {}, download });
    expect([named.name, named.train.count, named.classNames?.[0]]).toEqual(['kmnist', 7, 'お']);
    const folder = await resolveDataset({ data: join(root, 'data', 'kmnist'), projectRoot: root, log: () => {}, download });
    expect([folder.name, folder.classNames]).toEqual(['kmnist', undefined]);
  });
});

describe('wgtrain data NAME', () => {
  it('kmnist from a mirror whose files do not match the published SHA-256: exit 1, naming both digests, nothing left', async () => {
    const target = join(root, 'k');
    const r = await wgtrainHere('data', 'kmnist', '--dir', target, '--mirror', `${base}/kmnist/`);
    expect(r.code).toBe(1);
    const real = knownEntry('kmnist').files[0];
    expect(r.stderr).toContain(`wgtrain: could not download ${real.name} into ${target}:`);
    expect(r.stderr).toMatch(new RegExp(`checksum mismatch: got SHA-256 [0-9a-f]{64} for \\d+ bytes, expected ${real.sha256}`));
    expect(r.stderr).toContain('To use kmnist without downloading');
    expect(await readdir(target)).toEqual([]);
  });

  const fashionInstalled = existsSync(join(knownEntry('fashion-mnist').systemDirs![0], 'train-labels-idx1-ubyte.gz'));
  it.skipIf(!fashionInstalled)('fashion-mnist that cannot be downloaded: the error points at the installed copy (needs dataset-fashion-mnist)', async () => {
    const target = join(root, 'f');
    const r = await wgtrainHere('data', 'fashion-mnist', '--dir', target, '--mirror', `${base}/nowhere/`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`/nowhere/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(r.stderr).toContain(`Fashion-MNIST is installed in ${knownEntry('fashion-mnist').systemDirs![0]}: --data fashion-mnist uses it without downloading.`);
  });

  it('refuses a name it does not know, listing those it does', async () => {
    const r = await wgtrainHere('data', 'cifar100');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Allowed choices are mnist, fashion-mnist, kmnist, emnist-letters, emnist-digits, cifar10');
  });
});
