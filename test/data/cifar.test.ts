import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, cifarBatch, cifarSplit, datasetFromCifarFiles } from '../../src/data/cifar.ts';
import { holdOut } from '../../src/data/dataset.ts';
import { loadDataFolder } from '../../src/data/folder.node.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { CIFAR_META, cifarBatchBytes } from './archive-fixtures.ts';

const PIXELS = 3 * 32 * 32;

describe('cifarSplit', () => {
  it('reads label then the R, G and B planes of each record, channel-planar, batches in the order given', () => {
    const a = cifarBatchBytes(3, 1);
    const b = cifarBatchBytes(2, 2);
    const split = cifarSplit([{ file: 'a', bytes: a }, { file: 'b', bytes: b }]);
    expect([split.count, split.channels, split.rows, split.cols, split.classes]).toEqual([5, 3, 32, 32, 10]);
    expect([...split.labels]).toEqual([1, 4, 7, 2, 5]);
    // Record 4 is b's second: its green plane's first pixel is byte 1 + 1024 of that record.
    expect(split.images[4 * PIXELS + 1024]).toBe(b[CIFAR_RECORD_BYTES + 1 + 1024]);
    expect(split.images[4 * PIXELS + 1024]).toBe((2 * 31 + 7 + 1024) % 256);
    expect(split.images.subarray(0, PIXELS)).toEqual(a.subarray(1, CIFAR_RECORD_BYTES));
    expect(split.images.length).toBe(5 * PIXELS);
  });

  it('holds out validation images whole: the split slices by channels × rows × cols', () => {
    const split = cifarSplit([{ file: 'a', bytes: cifarBatchBytes(4, 3) }]);
    const { train, val } = holdOut(split, 1);
    expect(train.images.length).toBe(3 * PIXELS);
    expect(val.images).toEqual(split.images.subarray(3 * PIXELS));
    expect(val.labels[0]).toBe(split.labels[3]);
  });

  it('refuses a truncated batch, an empty one and a label above 9, naming the file', () => {
    const bytes = cifarBatchBytes(2, 1);
    expect(() => cifarSplit([{ file: 'data_batch_1.bin', bytes: bytes.subarray(0, bytes.length - 1) }])).toThrow(
      /^data_batch_1\.bin: holds 6145 bytes, not a whole number of 3073-byte records .*CIFAR-100's batches have 2 label bytes/,
    );
    expect(() => cifarSplit([{ file: 'e.bin', bytes: new Uint8Array(0) }])).toThrow(/^e\.bin: is empty/);
    const bad = bytes.slice();
    bad[CIFAR_RECORD_BYTES] = 10;
    expect(() => cifarSplit([{ file: 'x.bin', bytes: bad }])).toThrow(/^x\.bin: record 1 has label 10; CIFAR-10's labels are 0 to 9/);
  });
});

describe('cifarBatch', () => {
  it('names training batches by number and the test batch', () => {
    expect(cifarBatch('a/b/data_batch_3.bin')).toBe(3);
    expect(cifarBatch('test_batch.bin')).toBe('test');
    expect(cifarBatch('batches.meta.txt')).toBeUndefined();
    expect(cifarBatch('data_batch_1.bin.gz')).toBeUndefined();
  });
});

describe('datasetFromCifarFiles', () => {
  it('orders training batches by number whatever the map order, adds the test batch and the class names', () => {
    const files = new Map([
      ['d/data_batch_2.bin', cifarBatchBytes(1, 2)],
      ['d/test_batch.bin', cifarBatchBytes(2, 0)],
      ['d/data_batch_1.bin', cifarBatchBytes(1, 1)],
      ['d/batches.meta.txt', new TextEncoder().encode(CIFAR_META)],
    ]);
    const ds = datasetFromCifarFiles(files, 'cifar10', 'd');
    expect([...ds.train.labels]).toEqual([1, 2]);
    expect(ds.test?.count).toBe(2);
    expect(ds.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  });

  it('says how to get CIFAR-10 when no training batch is there', () => {
    expect(() => datasetFromCifarFiles(new Map([['test_batch.bin', cifarBatchBytes(1, 0)]]), 'x', 'somewhere')).toThrow(
      /^somewhere: no CIFAR-10 training batch .*found test_batch\.bin\. Run `wgtrain data cifar10`/,
    );
  });
});

describe('loadDataFolder with CIFAR-10', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-cifar-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the batches from the folder, or from the cifar-10-batches-bin folder the archive unpacks to', async () => {
    const inner = join(dir, 'cifar-10-batches-bin');
    await mkdir(inner);
    for (const n of [1, 2]) await writeFile(join(inner, `data_batch_${n}.bin`), cifarBatchBytes(2, n));
    await writeFile(join(inner, 'test_batch.bin'), cifarBatchBytes(3, 0));
    for (const folder of [dir, inner]) {
      const ds = await loadDataFolder(folder);
      expect(ds.source).toBe(inner);
      expect([ds.train.count, ds.train.channels, ds.test?.count]).toEqual([4, 3, 3]);
      expect([...ds.train.labels]).toEqual([1, 4, 2, 5]);
      expect(ds.classNames).toBeUndefined();
    }
  });

  it('wgtrain train trains on the colour images with a 3x32x32 network, and refuses a grey one saying what to start with', async () => {
    for (const n of [1, 2]) await writeFile(join(dir, `data_batch_${n}.bin`), cifarBatchBytes(20, n));
    const grey = await wgtrainHere('train', '--data', dir, '--validation', '10', '--no-out');
    expect(grey.code).toBe(1);
    expect(grey.stderr).toContain('start the architecture with 3x32x32');
    const r = await wgtrainHere(
      'train', '--data', dir, '--validation', '10', '--no-out', '--device', 'cpu', '--arch', '3x32x32-conv4k5-pool4-10', '--batch', '10', '--epochs', '1', '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((o) => o.type === 'summary');
    expect(summary).toBeDefined();
  });

  it('the cifar preset takes the batches as they are (3×32×32, batch normalization, augmentation)', async () => {
    for (const n of [1, 2]) await writeFile(join(dir, `data_batch_${n}.bin`), cifarBatchBytes(20, n));
    const r = await wgtrainHere('train', '--data', dir, '--preset', 'cifar', '--validation', '10', '--no-out', '--device', 'cpu', '--batch', '10', '--epochs', '1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((o) => o.type === 'summary')).toBeDefined();
  });
});
