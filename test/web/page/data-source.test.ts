/**
 * What the page makes of picked or dropped files (web/page/data-source.ts) and how the worker
 * reads them (web/worker/read-data.ts): CIFAR-10's binary batches, loose or in their folder
 * (which must not pass for an image folder).
 */
import { describe, expect, it } from 'vitest';
import type { Picked } from '../../../web/page/file-drop.ts';
import { readDataFiles } from '../../../web/page/data-source.ts';
import { readData } from '../../../web/worker/read-data.ts';
import { CIFAR_META, cifarBatchBytes } from '../../data/archive-fixtures.ts';

const picked = (files: Record<string, Uint8Array | string>, dirs: string[] = []): Picked => ({
  files: Object.entries(files).map(([path, bytes]) => ({ file: new File([bytes as BlobPart], path.split('/').pop()!), path })),
  dirs,
});

describe('CIFAR-10 batches in the page', () => {
  it('reads loose batches and batches.meta.txt as CIFAR-10: 3×32×32 colour, the meta file naming the classes', async () => {
    const found = await readDataFiles(picked({
      'test_batch.bin': cifarBatchBytes(2, 9), 'data_batch_2.bin': cifarBatchBytes(3, 2), 'data_batch_1.bin': cifarBatchBytes(4, 1),
      'batches.meta.txt': CIFAR_META, 'notes.txt': 'left alone',
    }));
    expect(found?.kind).toBe('cifar');
    expect(found?.source).toBe('your CIFAR-10 batches (data_batch_1.bin, data_batch_2.bin, test_batch.bin)');
    expect(found?.files.map(([name]) => name).sort()).toEqual(['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'test_batch.bin']);
    const d = await readData(found!);
    expect([d.train.count, d.train.channels, d.train.rows, d.train.cols, d.train.classes]).toEqual([7, 3, 32, 32, 10]);
    // Training batches in the order of their number, whatever the order picked.
    expect(d.train.labels[0]).toBe(cifarBatchBytes(4, 1)[0]);
    expect(d.test?.count).toBe(2);
    expect(d.classNames?.[0]).toBe('airplane');
    expect(d.name).toBe('cifar-10');
  });

  it('reads the cifar-10-batches-bin folder as CIFAR-10, not as an image folder', async () => {
    const found = await readDataFiles(picked(
      { 'cifar-10-batches-bin/data_batch_1.bin': cifarBatchBytes(2, 1), 'cifar-10-batches-bin/readme.html': '<p>', 'cifar-10-batches-bin/batches.meta.txt': CIFAR_META },
      ['cifar-10-batches-bin'],
    ));
    expect(found?.kind).toBe('cifar');
    expect(found?.source).toBe('your folder cifar-10-batches-bin: CIFAR-10 batches (data_batch_1.bin)');
    expect((await readData(found!)).classNames).toHaveLength(10);
  });

  it('refuses the test batch alone, saying to add the training batches', async () => {
    await expect(readDataFiles(picked({ 'test_batch.bin': cifarBatchBytes(1, 0) }))).rejects.toThrow(
      /^test_batch\.bin is CIFAR-10's test batch alone: pick or drop the training batches \(data_batch_1\.bin … data_batch_5\.bin\) with it/,
    );
  });
});
