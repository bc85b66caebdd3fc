// Reader for the IDX format used by MNIST and its relatives
// (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte, a rank byte,
// `rank` big-endian u32 dimensions, then the elements in big-endian row-major order.
// Works on raw bytes or on a gzip stream of them, in Node and in the browser.

import { gunzipSync } from 'fflate';
import { crc32 } from './crc32.ts';

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  dtype: IdxDtype;
  shape: number[];
  /** For 8-bit types this is a view into the (decompressed) input bytes; wider types are copied. */
  data: IdxData;
}

export class IdxError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
    this.file = file;
  }
}

const IDX_TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'u8', size: 1 },
  0x09: { dtype: 'i8', size: 1 },
  0x0b: { dtype: 'i16', size: 2 },
  0x0c: { dtype: 'i32', size: 4 },
  0x0d: { dtype: 'f32', size: 4 },
  0x0e: { dtype: 'f64', size: 8 },
};

/** Element size in bytes and IDX type byte for each dtype (the inverse of IDX_TYPES). */
export const IDX_DTYPES: Record<IdxDtype, { code: number; size: number }> = {
  u8: { code: 0x08, size: 1 },
  i8: { code: 0x09, size: 1 },
  i16: { code: 0x0b, size: 2 },
  i32: { code: 0x0c, size: 4 },
  f32: { code: 0x0d, size: 4 },
  f64: { code: 0x0e, size: 8 },
};

const IDX_MAX_RANK = 4;
/** Typed arrays and WebGPU buffers both get awkward past this; no IDX data set needs more. */
const IDX_MAX_DATA_BYTES = 2 ** 31;

const REDOWNLOAD = 'delete it and download again';
/** Deflate cannot expand data by more than about 1032:1 (258-byte matches coded in 2 bits). */
const MAX_DEFLATE_RATIO = 1032;

export function parseIdx(bytes: Uint8Array, file: string): IdxTensor {
  if (bytes.length === 0) throw new IdxError(file, `file is empty; ${REDOWNLOAD}`);
  const raw = isGzip(bytes) ? gunzip(bytes, file) : bytes;
  return parseRawIdx(raw, file);
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  // fflate sizes its output from the trailer's ISIZE field, so a damaged trailer
  // must not be allowed to request gigabytes before anything is checked.
  if (bytes.length < 18) throw new IdxError(file, `corrupt gzip stream: only ${bytes.length} bytes; ${REDOWNLOAD}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storedCrc = view.getUint32(bytes.length - 8, true);
  const storedSize = view.getUint32(bytes.length - 4, true);
  if (storedSize > IDX_MAX_DATA_BYTES + 4 + 4 * IDX_MAX_RANK) {
    throw new IdxError(
      file,
      `corrupt gzip stream: trailer claims ${storedSize} uncompressed bytes, more than any IDX file this reader accepts; ${REDOWNLOAD}`,
    );
  }
  // fflate allocates exactly the trailer's size up front, so a size no deflate stream of
  // this length can produce is refused here rather than allocated.
  if (storedSize > MAX_DEFLATE_RATIO * bytes.length) {
    throw new IdxError(
      file,
      `corrupt gzip stream: trailer claims ${storedSize} uncompressed bytes, more than ${bytes.length} compressed bytes can hold; ${REDOWNLOAD}`,
    );
  }
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (e) {
    throw new IdxError(file, `corrupt gzip stream (${(e as Error).message}); ${REDOWNLOAD}`);
  }
  if (out.length !== storedSize) {
    throw new IdxError(
      file,
      `corrupt gzip stream: it inflates to ${out.length} bytes but its trailer says ${storedSize}; ${REDOWNLOAD}`,
    );
  }
  if (crc32(out) !== storedCrc) {
    throw new IdxError(file, `corrupt gzip stream: CRC-32 of the decompressed data does not match the gzip trailer; ${REDOWNLOAD}`);
  }
  return out;
}

function looksLikeMarkup(bytes: Uint8Array): boolean {
  let i = 0;
  // Skip a UTF-8 byte-order mark and leading whitespace.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && i < 1024 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x3c; // '<': <!DOCTYPE, <html, <?xml (S3 error pages) all start so
}

function startsWithText(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function parseRawIdx(bytes: Uint8Array, file: string): IdxTensor {
  if (bytes.length === 0) throw new IdxError(file, `file is empty after decompression; ${REDOWNLOAD}`);
  if (looksLikeMarkup(bytes)) {
    throw new IdxError(file, `looks like an HTML page, not IDX data: the download was probably redirected; ${REDOWNLOAD}`);
  }
  if (startsWithText(bytes, 'version https://git-lfs')) {
    throw new IdxError(file, 'is a Git LFS pointer, not IDX data: run `git lfs pull` or download the file directly');
  }
  if (bytes.length < 4) {
    throw new IdxError(file, `too short for an IDX header (${bytes.length} bytes, need at least 4); ${REDOWNLOAD}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(
      file,
      `not an IDX file: magic number starts with 0x${hex(bytes[0])} 0x${hex(bytes[1])}, expected 0x00 0x00`,
    );
  }
  const type = IDX_TYPES[bytes[2]];
  if (!type) {
    throw new IdxError(
      file,
      `not an IDX file: unknown element type 0x${hex(bytes[2])} (expected one of 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64)`,
    );
  }
  const rank = bytes[3];
  if (rank < 1 || rank > IDX_MAX_RANK) {
    throw new IdxError(file, `IDX header gives rank ${rank}; expected 1 to ${IDX_MAX_RANK} dimensions`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      file,
      `truncated IDX header: rank ${rank} needs ${headerBytes} header bytes but the file has ${bytes.length}; ${REDOWNLOAD}`,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let dataBytes = type.size;
  for (let d = 0; d < rank; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    // A set of zero samples is a legitimate (if useless) file; a zero-sized sample is not.
    if (dim === 0 && d > 0) {
      throw new IdxError(file, `dimension ${d} is 0 in shape [${[...shape, dim].join(', ')}]; only the first (sample count) may be 0`);
    }
    shape.push(dim);
    dataBytes *= dim;
    // Stop before the product can lose precision or prompt a huge allocation.
    if (dataBytes > IDX_MAX_DATA_BYTES) {
      const dims = [...shape];
      for (let r = d + 1; r < rank; r++) dims.push(view.getUint32(4 + 4 * r, false));
      throw new IdxError(
        file,
        `shape [${dims.join(', ')}] of ${type.dtype} needs more than ${IDX_MAX_DATA_BYTES} bytes; the header is corrupt or the file is too large for this reader`,
      );
    }
  }

  const got = bytes.length - headerBytes;
  if (got < dataBytes) {
    throw new IdxError(
      file,
      `truncated data: shape [${shape.join(', ')}] of ${type.dtype} needs ${dataBytes} bytes after the header but the file has ${got}; ${REDOWNLOAD}`,
    );
  }
  if (got > dataBytes) {
    throw new IdxError(
      file,
      `${got - dataBytes} unexpected trailing bytes after the data for shape [${shape.join(', ')}] of ${type.dtype} (expected ${dataBytes} data bytes, found ${got}); the file is damaged or not IDX; ${REDOWNLOAD}`,
    );
  }

  return { dtype: type.dtype, shape, data: decodeElements(bytes, headerBytes, type.dtype, dataBytes / type.size) };
}

function decodeElements(bytes: Uint8Array, offset: number, dtype: IdxDtype, count: number): IdxData {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * IDX_DTYPES[dtype].size);
  switch (dtype) {
    case 'u8':
      return bytes.subarray(offset, offset + count);
    case 'i8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 'i16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'i32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'f64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0').toUpperCase();
}
