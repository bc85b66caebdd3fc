// safetensors (https://github.com/huggingface/safetensors) for float32 tensors,
// in Node and the browser. Layout: u64 little-endian header size N, N bytes of
// UTF-8 JSON (padded with spaces), then the raw little-endian tensor data;
// each header entry gives dtype, shape and [begin, end) offsets into that data.

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`invalid safetensors file: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** Headers of real models are a few kB; this guards against reading garbage as a size. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function writeSafetensors(tensors: NamedTensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new Error(`safetensors metadata value for '${key}' must be a string, got ${typeof value}`);
  }
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;

  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new Error(`'${METADATA_KEY}' is reserved and cannot be a tensor name`);
    if (Object.hasOwn(header, t.name)) throw new Error(`tensor name '${t.name}' is used twice`);
    const elements = elementCount(t.shape);
    if (elements === undefined) throw new Error(`tensor '${t.name}' has invalid shape [${t.shape.join(', ')}]`);
    if (elements !== t.data.length) {
      throw new Error(`tensor '${t.name}' has shape [${t.shape.join(', ')}] (${elements} values) but ${t.data.length} values of data`);
    }
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * elements] };
    offset += 4 * elements;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerSize = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerSize + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerSize, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerSize);

  let at = 8 + headerSize;
  for (const t of tensors) {
    if (littleEndianHost) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    }
    at += t.data.byteLength;
  }
  return out;
}

/** A header's tensors, as it describes them: shape and [begin, end) in the data after the header. */
interface HeaderEntry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Where the tensor data starts: 8 + the header's length. */
  dataStart: number;
  entries: HeaderEntry[];
  metadata: Record<string, string>;
}

/**
 * The header's length from a file's first 8 bytes, checked against the file's size, so a
 * reader knows how much more to read before trusting anything else.
 */
export function headerLength(first8: Uint8Array, fileBytes: number): number {
  if (first8.length < 8 || fileBytes < 8) {
    throw new SafetensorsError(`only ${Math.min(first8.length, fileBytes)} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    const size = high * 2 ** 32 + low;
    throw new SafetensorsError(`header length ${size} is absurd (limit ${MAX_HEADER_BYTES} bytes); this is not a safetensors file or it is damaged`);
  }
  if (8 + low > fileBytes) {
    throw new SafetensorsError(`header length ${low} goes past the end of the ${fileBytes}-byte file; the file is truncated or not safetensors`);
  }
  return low;
}

/**
 * Reads and checks the header from the file's first bytes (at least 8 + its length) alone:
 * its tensors must tile the `fileBytes - dataStart` bytes of data exactly, so the file's
 * size is known to match what the header claims before any tensor byte is read.
 */
export function readSafetensorsHeader(start: Uint8Array, fileBytes: number): SafetensorsHeader {
  const low = headerLength(start, fileBytes);
  if (start.length < 8 + low) throw new Error(`readSafetensorsHeader needs the first ${8 + low} bytes, got ${start.length}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(start.subarray(8, 8 + low)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`);
  }

  const metadata = readMetadata((header as Record<string, unknown>)[METADATA_KEY]);
  const bodyLength = fileBytes - 8 - low;
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    entries.push({ name, ...readEntry(name, raw) });
  }

  // Tensors must not share bytes and must lie inside the data.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const cur = byOffset[i];
    if (cur.begin < prev.end) {
      throw new SafetensorsError(
        `tensors '${prev.name}' [${prev.begin}, ${prev.end}) and '${cur.name}' [${cur.begin}, ${cur.end}) overlap`,
      );
    }
  }
  const needed = byOffset.length > 0 ? byOffset[byOffset.length - 1].end : 0;
  if (needed > bodyLength) {
    const last = byOffset[byOffset.length - 1];
    throw new SafetensorsError(
      `truncated: tensor '${last.name}' ends at data offset ${needed} but only ${bodyLength} bytes of data follow the header`,
    );
  }
  // As in the reference implementation, every data byte belongs to exactly one tensor.
  let covered = 0;
  for (const e of byOffset) {
    if (e.begin !== covered) {
      throw new SafetensorsError(`data bytes [${covered}, ${e.begin}) before tensor '${e.name}' belong to no tensor`);
    }
    covered = e.end;
  }
  if (covered !== bodyLength) {
    throw new SafetensorsError(`${bodyLength - covered} trailing bytes after the last tensor's data`);
  }
  return { dataStart: 8 + low, entries, metadata };
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { dataStart, entries, metadata } = readSafetensorsHeader(bytes, bytes.length);
  const body = bytes.subarray(dataStart);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of entries) {
    const count = (e.end - e.begin) / 4;
    let data: Float32Array;
    if (littleEndianHost) {
      // Copy into a fresh buffer so the floats are 4-byte aligned whatever the header size
      // (and detached from the caller's bytes; Buffer#slice would not copy).
      const copy = new Uint8Array(e.end - e.begin);
      copy.set(body.subarray(e.begin, e.end));
      data = new Float32Array(copy.buffer);
    } else {
      data = new Float32Array(count);
      const bodyView = new DataView(body.buffer, body.byteOffset + e.begin, e.end - e.begin);
      for (let i = 0; i < count; i++) data[i] = bodyView.getFloat32(4 * i, true);
    }
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

function readMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`'${METADATA_KEY}' must be an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(`'${METADATA_KEY}' value for '${key}' must be a string, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out;
}

function readEntry(name: string, raw: unknown): { shape: number[]; begin: number; end: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`entry for tensor '${name}' must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (dtype === undefined) throw new SafetensorsError(`tensor '${name}' has no dtype`);
  if (dtype !== 'F32') {
    throw new SafetensorsError(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; only F32 is supported`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new SafetensorsError(`tensor '${name}' shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const elements = elementCount(shape);
  if (elements === undefined) throw new SafetensorsError(`tensor '${name}' shape ${JSON.stringify(shape)} is too large`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt) || offsets[0] > offsets[1]) {
    throw new SafetensorsError(
      `tensor '${name}' data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end - begin !== elements * 4) {
    throw new SafetensorsError(
      `tensor '${name}' data_offsets [${begin}, ${end}] span ${end - begin} bytes but F32 shape [${shape.join(', ')}] needs ${elements * 4}`,
    );
  }
  return { shape: shape as number[], begin, end };
}

function isNonNegativeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Product of dims, or undefined when a dim is invalid or the product exceeds what a typed array can hold. */
function elementCount(shape: number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (!isNonNegativeInt(d)) return undefined;
    n *= d;
    if (n > 2 ** 32) return undefined;
  }
  return n;
}
