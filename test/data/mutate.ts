/**
 * Byte-level damage for property tests of the file readers: flipped bits, cuts, inserted
 * and deleted bytes, and header fields overwritten with random 32- and 64-bit values.
 * Positions are drawn unbounded and applied modulo the file length, so one mutation list
 * fits any file.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'u32'; at: number; value: number; littleEndian: boolean }
  | { kind: 'u64'; at: number; value: bigint; littleEndian: boolean };

/** Byte offsets worth aiming at; negative ones count from the end (-4: a gzip trailer's size). */
export type Fields = readonly number[];

/** Values that break size arithmetic: zero, one, around 2^31 and 2^32, and anything else. */
export const u32Value = fc.oneof(
  fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);

export const u64Value = fc.oneof(
  fc.constantFrom(0n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

function position(fields: Fields): fc.Arbitrary<number> {
  return fields.length > 0 ? fc.oneof(fc.constantFrom(...fields), fc.nat()) : fc.nat();
}

function mutation(fields: Fields = []): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: position(fields), value: u32Value, littleEndian: fc.boolean() }),
    fc.record({ kind: fc.constant('u64' as const), at: position(fields), value: u64Value, littleEndian: fc.boolean() }),
  );
}

/** One to four mutations. */
export function mutations(fields: Fields = []): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(fields), { minLength: 1, maxLength: 4 });
}

/** Where `at` lands in a file of `length` bytes, with room for `width` bytes (-1 when they do not fit). */
function place(at: number, length: number, width: number): number {
  const room = length - width + 1;
  if (room <= 0) return -1;
  const from = at < 0 ? length + at : at;
  return ((from % room) + room) % room;
}

function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      out[m.at % out.length] ^= m.mask;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, m.at % (bytes.length + 1));
    case 'insert': {
      const at = m.at % (bytes.length + 1);
      const out = new Uint8Array(bytes.length + m.bytes.length);
      out.set(bytes.subarray(0, at));
      out.set(m.bytes, at);
      out.set(bytes.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'delete': {
      if (bytes.length === 0) return bytes;
      const at = m.at % bytes.length;
      const out = new Uint8Array(bytes.length - Math.min(m.count, bytes.length - at));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + m.count), at);
      return out;
    }
    case 'u32':
    case 'u64': {
      const width = m.kind === 'u32' ? 4 : 8;
      const at = place(m.at, bytes.length, width);
      if (at < 0) return bytes;
      const out = bytes.slice();
      const view = new DataView(out.buffer);
      if (m.kind === 'u32') view.setUint32(at, m.value, m.littleEndian);
      else view.setBigUint64(at, m.value, m.littleEndian);
      return out;
    }
  }
}

export function applyMutations(bytes: Uint8Array, list: readonly Mutation[]): Uint8Array {
  return list.reduce(applyMutation, bytes);
}

export interface Attempt<T> {
  value?: T;
  error?: unknown;
  /** ArrayBuffer bytes live right after the call beyond those live before it. */
  growth: number;
}

/**
 * Runs `read`, catching what it throws, and measures the ArrayBuffer memory it left
 * live: a reader that allocated gigabytes for a small file shows up here even when it
 * then threw, because nothing has been collected yet.
 */
export function attempt<T>(read: () => T): Attempt<T> {
  const before = process.memoryUsage().arrayBuffers;
  let value: T | undefined;
  let error: unknown;
  try {
    value = read();
  } catch (e) {
    error = e ?? new Error(`threw ${String(e)}`);
  }
  return { value, error, growth: process.memoryUsage().arrayBuffers - before };
}

/** A fixed seed, so a failure reproduces; FC_SEED overrides it to explore further. */
export const SEED = Number(process.env.FC_SEED ?? 20240604);

/** 64 MiB: far above anything the small fixtures need, far below a header's wild claim. */
export const MEMORY_LIMIT = 64 * 2 ** 20;
