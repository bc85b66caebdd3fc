/**
 * The image CSV parser (src/data/csv.ts): Kaggle's MNIST train.csv layout with and without
 * a header, the label found by name, chunks split anywhere, and every bad row refused with
 * the file, line and column named.
 */
import { describe, expect, it } from 'vitest';
import { CsvImageParser, parseImageCsv } from '../../src/data/csv.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
/** Two 2×2 images: labels 3 and 1. */
const rows = ['3,0,255,17,4', '1,9,8,7,6'];

describe('image CSV files', () => {
  it('reads a header line, a label column and square images of pixel columns', () => {
    const s = parseImageCsv(bytes(`label,pixel0,pixel1,pixel2,pixel3\n${rows.join('\n')}\n`), 'a.csv');
    expect(s).toMatchObject({ count: 2, channels: 1, rows: 2, cols: 2, classes: 4 });
    expect(Array.from(s.labels)).toEqual([3, 1]);
    expect(Array.from(s.images)).toEqual([0, 255, 17, 4, 9, 8, 7, 6]);
  });

  it('reads a file without a header, with CRLF line ends and no newline at the end', () => {
    const s = parseImageCsv(bytes(rows.join('\r\n')), 'a.csv');
    expect(Array.from(s.labels)).toEqual([3, 1]);
    expect(Array.from(s.images)).toEqual([0, 255, 17, 4, 9, 8, 7, 6]);
  });

  it('finds the label column by name wherever it is, and skips blank lines', () => {
    const s = parseImageCsv(bytes('"p0","p1","Label","p2","p3"\n0,255,3,17,4\n\n9,8,1,7,6\n\n'), 'a.csv');
    expect(Array.from(s.labels)).toEqual([3, 1]);
    expect(Array.from(s.images)).toEqual([0, 255, 17, 4, 9, 8, 7, 6]);
  });

  it('gives the same split whatever the chunks (a stream cuts anywhere)', () => {
    const text = bytes(`label,a,b,c,d\n${rows.join('\n')}\n`);
    const whole = parseImageCsv(text, 'a.csv');
    for (let cut = 1; cut < text.length; cut++) {
      const p = new CsvImageParser('a.csv');
      p.push(text.subarray(0, cut));
      p.push(text.subarray(cut));
      expect(p.finish()).toEqual(whole);
    }
  });

  it('takes colour rows (C×H×W) with --channels 3 and any shape with --size', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => i * 20).join(',');
    const colour = parseImageCsv(bytes(`0,${twelve}\n1,${twelve}\n`), 'c.csv', { channels: 3 });
    expect(colour).toMatchObject({ channels: 3, rows: 2, cols: 2 });
    const wide = parseImageCsv(bytes(`0,${twelve}\n1,${twelve}\n`), 'c.csv', { size: { rows: 3, cols: 4 } });
    expect(wide).toMatchObject({ channels: 1, rows: 3, cols: 4 });
  });

  it.each([
    ['a short row', 'label,a,b,c,d\n3,0,255,17,4\n1,9,8,7\n', /a\.csv, line 3: 4 values where the header has 5; every row needs a label and the same number of pixels/],
    ['a long row', '3,0,255,17,4\n1,9,8,7,6,5\n', /a\.csv, line 2: more than 5 values where the first line has 5/],
    ['a pixel over 255', 'label,a,b,c,d\n3,0,256,17,4\n', /a\.csv, line 2, column 3: pixel value 256 is out of range; pixels are bytes, 0 to 255/],
    ['a negative pixel', '3,0,-1,17,4\n', /a\.csv, line 1, column 3: "-1" is not a whole number from 0 to 255/],
    ['a fraction', '3,0,1,17,4\n3,0,1.5,17,4\n', /a\.csv, line 2, column 3: "1\.5" is not a whole number from 0 to 255/],
    ['a word', 'label,a,b,c,d\n3,0,1,17,4\n3,0,x7,17,4\n', /a\.csv, line 3, column 3: "x7" is not a whole number from 0 to 255/],
    ['an empty value', '3,0,1,17,4\n3,0,,17,4\n', /a\.csv, line 2, column 3: an empty value is not a whole number/],
    ['a label beyond the class count', 'label,a,b,c,d\n3,0,1,17,4\n300,0,1,17,4\n', /a\.csv, line 3, column 1: label 300 is out of range; labels go from 0 to 255 \(at most 256 classes\)/],
    ['no rows', 'label,a,b,c,d\n', /a\.csv holds no rows of data \(only a header\)/],
    ['one class', '0,0,1,17,4\n0,0,1,17,4\n', /every label is 0; a classifier needs at least two classes/],
    ['a pixel count that is no square', '3,0,1,17\n1,0,1,17\n', /a\.csv has 3 pixel columns, not a square image: pass --size HxW \(and --channels 3 for colour\) with H·W = 3/],
  ])('refuses %s, naming the file, line and column', (_what, text, message) => {
    expect(() => parseImageCsv(bytes(text), 'a.csv')).toThrow(message);
  });

  it('refuses a --size or --channels that does not match the columns', () => {
    expect(() => parseImageCsv(bytes(rows.join('\n')), 'a.csv', { size: { rows: 3, cols: 3 } })).toThrow(/has 4 pixel columns, but --size 3x3 with 1 channel is 9/);
    expect(() => parseImageCsv(bytes(rows.join('\n')), 'a.csv', { channels: 3 })).toThrow(/has 4 pixel columns, not 3 channels of a square image/);
  });
});
