/**
 * A CSV file read in the page's worker (web/worker/read-data.ts) with the Data section's
 * size and channels: as the CLI reads it with --size and --channels, and errors naming the
 * page's settings rather than the CLI's flags.
 */
import { describe, expect, it } from 'vitest';
import { parseImageCsv } from '../../../src/data/csv.ts';
import { readData } from '../../../web/worker/read-data.ts';
import type { DataFiles } from '../../../web/shared/worker-protocol.ts';

/** 6 rows of 3×2×4 colour pixels (24 columns) in 3 classes. */
const CSV = new TextEncoder().encode(
  Array.from({ length: 6 }, (_, i) => [i % 3, ...Array.from({ length: 24 }, (_, p) => (i * 11 + p * 7) % 256)].join(',')).join('\n'),
);
const csv = (settings: DataFiles['settings']): DataFiles => ({ kind: 'csv', files: [['colour.csv', CSV]], name: 'colour', source: 'your CSV file colour.csv', settings });

describe('a CSV file in the page', () => {
  it('with colour and a size, loads as the CLI loads it', async () => {
    const settings = { channels: 3 as const, size: { rows: 2, cols: 4 } };
    const d = await readData(csv(settings));
    expect([d.train.count, d.train.channels, d.train.rows, d.train.cols, d.train.classes]).toEqual([6, 3, 2, 4, 3]);
    expect(d.train).toEqual(parseImageCsv(CSV, 'colour.csv', settings));
  });

  it('says which of the page settings to change when the columns do not fit them', async () => {
    await expect(readData(csv({}))).rejects.toThrow(
      'colour.csv has 24 pixel columns, not a square image: set Image size to HxW (and set Channels to colour for colour) with H·W = 24',
    );
    await expect(readData(csv({ channels: 3, size: { rows: 3, cols: 3 } }))).rejects.toThrow(
      'colour.csv has 24 pixel columns, but Image size 3x3 with 3 channels is 27',
    );
  });
});
