// Small stand-ins for the named data sets' downloads, built in memory: CIFAR-10 binary
// batches (and the tar.gz that holds them) and EMNIST IDX files (and the zip that holds them).

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { c as tarCreate } from 'tar';
import { CIFAR_RECORD_BYTES } from '../../src/data/cifar.ts';
import { gzip, writeIdx } from './fixtures.ts';

/** Record i of batch `batch`: label (batch + 3i) mod 10, pixel p = (batch·31 + 7i + p) mod 256. */
export function cifarBatchBytes(count: number, batch: number): Uint8Array {
  const out = new Uint8Array(count * CIFAR_RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR_RECORD_BYTES;
    out[at] = (batch + 3 * i) % 10;
    for (let p = 0; p < CIFAR_RECORD_BYTES - 1; p++) out[at + 1 + p] = (batch * 31 + 7 * i + p) % 256;
  }
  return out;
}

export const CIFAR_META = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

/** cifar-10-binary.tar.gz's layout: cifar-10-batches-bin/ with five training batches of `perBatch` records, the test batch and the meta file. */
export async function cifarTarGz(perBatch: number, opts: { omit?: string } = {}): Promise<Uint8Array> {
  const work = await mkdtemp(join(tmpdir(), 'wgtrain-cifar-fixture-'));
  try {
    const dir = join(work, 'cifar-10-batches-bin');
    await mkdir(dir);
    const files: [string, Uint8Array | string][] = [
      ...[1, 2, 3, 4, 5].map((n): [string, Uint8Array] => [`data_batch_${n}.bin`, cifarBatchBytes(perBatch, n)]),
      ['test_batch.bin', cifarBatchBytes(perBatch, 0)],
      ['batches.meta.txt', CIFAR_META],
      ['readme.html', '<p>not needed</p>'],
    ];
    for (const [name, bytes] of files) if (name !== opts.omit) await writeFile(join(dir, name), bytes);
    const archive = join(work, 'cifar.tar.gz');
    await tarCreate({ gzip: true, file: archive, cwd: work, portable: true }, ['cifar-10-batches-bin']);
    return new Uint8Array(await readFile(archive));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Images stored as EMNIST stores them, transposed: sample i has value (i·5 + r·cols + c) mod 256 at row r, column c. */
export function emnistImages(count: number, rows: number, cols: number): { upright: Uint8Array; stored: Uint8Array } {
  const upright = new Uint8Array(count * rows * cols);
  const stored = new Uint8Array(count * rows * cols);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = (i * 5 + r * cols + c) % 256;
        upright[i * rows * cols + r * cols + c] = v;
        stored[i * rows * cols + c * rows + r] = v;
      }
    }
  }
  return { upright, stored };
}

export interface EmnistSplitFixture {
  /** File name → gzipped IDX bytes, under EMNIST's names. */
  files: Map<string, Uint8Array>;
  train: { upright: Uint8Array; labels: Uint8Array };
  test: { upright: Uint8Array; labels: Uint8Array };
}

/** One EMNIST split's four files; letters labels run 1–26 as in NIST's files. */
export function emnistSplit(split: string, trainCount: number, testCount: number, rows = 6, cols = 5): EmnistSplitFixture {
  const classes = split === 'letters' ? 26 : 10;
  const first = split === 'letters' ? 1 : 0;
  const files = new Map<string, Uint8Array>();
  const make = (set: 'train' | 'test', count: number) => {
    const { upright, stored } = emnistImages(count, rows, cols);
    const labels = Uint8Array.from({ length: count }, (_, i) => first + ((i * 7) % classes));
    // EMNIST's header gives the stored shape, [count, width, height].
    files.set(`emnist-${split}-${set}-images-idx3-ubyte.gz`, gzip(writeIdx('u8', [count, cols, rows], stored)));
    files.set(`emnist-${split}-${set}-labels-idx1-ubyte.gz`, gzip(writeIdx('u8', [count], labels)));
    return { upright, labels };
  };
  return { files, train: make('train', trainCount), test: make('test', testCount) };
}

/** NIST's gzip.zip layout: every file under gzip/, stored (the members are gzip already). */
export function emnistZip(...splits: EmnistSplitFixture[]): Uint8Array {
  const members: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const s of splits) for (const [name, bytes] of s.files) members[`gzip/${name}`] = [bytes, { level: 0 }];
  return zipSync({ ...members, 'gzip/emnist-letters-mapping.txt': [new TextEncoder().encode('1 65 97\n'), { level: 0 }] });
}
