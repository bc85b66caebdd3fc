// Images as CSV rows, Kaggle's MNIST `train.csv` style: a label column and one column per
// pixel value (0–255), with or without a header line. The label is the column named
// `label` when the header has one, else the first. Colour rows hold the channels one after
// the other (C×H×W, as Split stores them). Pure and streaming: bytes go in by chunks
// (push), so a 42,000 × 785 file is parsed in one pass without being split into strings.
// Node and browser.

import type { ImageSize } from './image-assembly.ts';
import type { Split } from './dataset.ts';

export interface CsvImageOptions {
  /** Channels per row (`--channels`); default 1. */
  channels?: 1 | 3;
  /** Image size (`--size`); default: square, the side the square root of the pixel count. */
  size?: ImageSize;
  /** How errors name the size and channels settings: the CLI's flags unless the page gives its own. */
  settings?: CsvSettingNames;
}

/** The words for the size and channels settings in errors. */
export interface CsvSettingNames {
  /** The size setting by itself: `--size`. */
  size: string;
  /** Asking for a size: `pass --size`. */
  setSize: string;
  /** Asking for colour rows: `--channels 3`. */
  setColour: string;
}

const CLI_SETTINGS: CsvSettingNames = { size: '--size', setSize: 'pass --size', setColour: '--channels 3' };

const COMMA = 44;
const LF = 10;
const CR = 13;
const ZERO = 48;
const NINE = 57;
const SPACE = 32;

/** Labels are one byte (Split.labels). */
const MAX_LABEL = 255;

/** Grows a byte array by doubling. */
class Bytes {
  data = new Uint8Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  take(): Uint8Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Parses CSV bytes chunk by chunk into labels and pixel rows. Errors name the file and the
 * line: a row of another length than the first, a value that is not a whole number from 0
 * to 255, a label beyond 255.
 */
export class CsvImageParser {
  private line = 1;
  /** Fields of the current line (raw text for the first line, which may be a header). */
  private fields = 0;
  private firstLine: string[] | null = [];
  private text = '';
  private value = -1;
  private bad = false;
  private columns = 0;
  private labelColumn = 0;
  private header: string[] | null = null;
  private labels = new Bytes();
  private pixels = new Bytes();

  constructor(readonly file: string) {}

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) this.endLine();
      else if (b === COMMA) this.endField();
      else if (b === CR) continue;
      else if (this.firstLine || this.bad) this.text += String.fromCharCode(b);
      else if (b >= ZERO && b <= NINE) this.value = (this.value < 0 ? 0 : this.value * 10) + (b - ZERO);
      else if (b !== SPACE) {
        // Not a number: kept whole for the error at the field's end.
        this.bad = true;
        this.text = (this.value < 0 ? '' : String(this.value)) + String.fromCharCode(b);
      }
    }
  }

  private endField(): void {
    if (this.firstLine) {
      this.firstLine.push(this.text.trim());
      this.text = '';
      return;
    }
    this.addValue(this.value);
    this.value = -1;
  }

  /** One value of a data row, stored as it comes (a bad row stops the whole parse, so nothing is undone). */
  private addValue(v: number): void {
    const c = this.fields;
    if (this.bad || v < 0) {
      const what = this.bad ? `"${this.text}"` : 'an empty value';
      throw new Error(`${this.file}, line ${this.line}, column ${c + 1}: ${what} is not a whole number from 0 to 255`);
    }
    if (c >= this.columns) this.rowLengthError(`more than ${this.columns}`);
    if (v > 255) {
      const label = c === this.labelColumn;
      const why = label ? `labels go from 0 to ${MAX_LABEL} (at most ${MAX_LABEL + 1} classes)` : 'pixels are bytes, 0 to 255';
      throw new Error(`${this.file}, line ${this.line}, column ${c + 1}: ${label ? 'label' : 'pixel value'} ${v} is out of range; ${why}`);
    }
    if (c === this.labelColumn) this.labels.push(v);
    else this.pixels.push(v);
    this.fields++;
  }

  private rowLengthError(found: string | number): never {
    throw new Error(
      `${this.file}, line ${this.line}: ${found} values where ${this.header ? 'the header has' : 'the first line has'} ${this.columns}; every row needs a label and the same number of pixels`,
    );
  }

  private endLine(): void {
    const blank = this.firstLine ? this.firstLine.length === 0 && this.text.trim() === '' : this.fields === 0 && this.value < 0 && !this.bad;
    if (blank) {
      this.line++;
      return;
    }
    this.endField();
    if (this.firstLine) this.startFrom(this.firstLine);
    else this.endRow();
    this.line++;
  }

  /** The first line: a header when a field holds a letter or a quote (`label`, `"pixel0"`); else the first data row. */
  private startFrom(fields: string[]): void {
    this.firstLine = null;
    this.columns = fields.length;
    if (this.columns < 2) throw new Error(`${this.file}: the first line has ${this.columns} column; an image CSV has a label column and pixel columns`);
    if (!fields.some((f) => /[A-Za-z_"]/.test(f))) {
      for (const f of fields) {
        this.bad = f !== '' && !/^\d+$/.test(f);
        this.text = f;
        this.addValue(f === '' || this.bad ? -1 : Number(f));
      }
      this.text = '';
      this.endRow();
      return;
    }
    this.header = fields.map((f) => f.replace(/^"(.*)"$/, '$1'));
    const named = this.header.findIndex((f) => f.toLowerCase() === 'label');
    this.labelColumn = named < 0 ? 0 : named;
  }

  private endRow(): void {
    if (this.fields !== this.columns) this.rowLengthError(this.fields);
    this.fields = 0;
  }

  /** Ends the input (a last line without a newline counts) and returns the split. */
  finish(opts: CsvImageOptions = {}): Split {
    if (this.firstLine ? this.firstLine.length > 0 || this.text.trim() !== '' : this.fields > 0 || this.value >= 0 || this.bad) this.endLine();
    const count = this.labels.length;
    if (count === 0) throw new Error(`${this.file} holds no rows of data${this.header ? ' (only a header)' : ''}; an image CSV has one image per row`);
    const pixels = this.columns - 1;
    const channels = opts.channels ?? 1;
    const names = opts.settings ?? CLI_SETTINGS;
    let size = opts.size;
    if (!size) {
      const side = Math.round(Math.sqrt(pixels / channels));
      if (side * side * channels !== pixels) {
        throw new Error(
          `${this.file} has ${pixels} pixel columns, not ${channels === 1 ? 'a square image' : `${channels} channels of a square image`}: ` +
            `${names.setSize} HxW${channels === 1 ? ` (and ${names.setColour} for colour)` : ''} with H·W${channels === 1 ? '' : `·${channels}`} = ${pixels}`,
        );
      }
      size = { rows: side, cols: side };
    } else if (size.rows * size.cols * channels !== pixels) {
      throw new Error(`${this.file} has ${pixels} pixel columns, but ${names.size} ${size.rows}x${size.cols} with ${channels} channel${channels > 1 ? 's' : ''} is ${size.rows * size.cols * channels}`);
    }
    const labels = this.labels.take();
    let classes = 0;
    for (const l of labels) classes = Math.max(classes, l + 1);
    if (classes < 2) throw new Error(`${this.file}: every label is 0; a classifier needs at least two classes`);
    return { images: this.pixels.take(), labels, count, channels, rows: size.rows, cols: size.cols, classes };
  }
}

/** Parses a whole CSV file's bytes (CsvImageParser in one chunk). */
export function parseImageCsv(bytes: Uint8Array, file: string, opts: CsvImageOptions = {}): Split {
  const parser = new CsvImageParser(file);
  parser.push(bytes);
  return parser.finish(opts);
}
