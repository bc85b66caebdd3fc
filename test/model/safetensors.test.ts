import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsError, writeSafetensors } from '../../src/model/safetensors.ts';

/** A file with a hand-written header, for the refusals the writer never produces. */
function craft(header: unknown, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function expectRefusal(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try {
    readSafetensors(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect((caught as Error).message).toMatch(/^invalid safetensors file: /);
  expect((caught as Error).message).toMatch(pattern);
}

const f32 = (n: number) => new Uint8Array(n * 4);

describe('safetensors round trip', () => {
  const tensors = [
    { name: 'layer0.weight', shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Infinity]) },
    { name: 'layer0.bias', shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) },
    { name: 'scalar', shape: [], data: Float32Array.from([42]) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  ];
  const metadata = { format: 'wgtrain', layers: '784-128-10', 'ünïcode': 'ok ✓' };

  it('writes the layout the spec describes', () => {
    const bytes = writeSafetensors(tensors, metadata);
    const view = new DataView(bytes.buffer);
    const headerSize = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect(headerSize % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)));
    expect(header.__metadata__).toEqual(metadata);
    expect(header['layer0.weight']).toEqual({ dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] });
    expect(header['layer0.bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(header.scalar.data_offsets).toEqual([36, 40]);
    expect(bytes.length).toBe(8 + headerSize + 40);
    // Data is little-endian float32: 1.0 is 00 00 80 3f.
    expect(Array.from(bytes.subarray(8 + headerSize, 8 + headerSize + 4))).toEqual([0, 0, 0x80, 0x3f]);
  });

  it('reads back what it wrote, into aligned copies', () => {
    const bytes = writeSafetensors(tensors, metadata);
    // Put the file at an odd offset of a larger buffer, as a network chunk might be.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors: read, metadata: meta } = readSafetensors(shifted.subarray(3));
    expect(meta).toEqual(metadata);
    expect([...read.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const r = read.get(t.name)!;
      expect(r.shape).toEqual(t.shape);
      expect(r.data).toEqual(t.data);
      expect(r.data.byteOffset % 4).toBe(0);
      expect(r.data.buffer).not.toBe(shifted.buffer);
    }
  });

  it('reads a file without metadata', () => {
    const bytes = writeSafetensors([{ name: 'w', shape: [2], data: Float32Array.from([1, 2]) }], {});
    const { tensors: read, metadata: meta } = readSafetensors(bytes);
    expect(meta).toEqual({});
    expect(Array.from(read.get('w')!.data)).toEqual([1, 2]);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => writeSafetensors([{ name: 'w', shape: [2, 2], data: new Float32Array(3) }], {})).toThrow(
      "tensor 'w' has shape [2, 2] (4 values) but 3 values of data",
    );
    const one = { name: 'w', shape: [1], data: new Float32Array(1) };
    expect(() => writeSafetensors([one, one], {})).toThrow("tensor name 'w' is used twice");
    expect(() => writeSafetensors([{ ...one, name: '__metadata__' }], {})).toThrow(/reserved/);
  });
});

describe('readSafetensors refusals', () => {
  it('a file shorter than 8 bytes', () => {
    expectRefusal(new Uint8Array(5), /only 5 bytes; a safetensors file starts with an 8-byte header length/);
  });

  it('a header length beyond the file', () => {
    const bytes = craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1));
    new DataView(bytes.buffer).setUint32(0, bytes.length, true);
    expectRefusal(bytes, new RegExp(`header length ${bytes.length} goes past the end of the ${bytes.length}-byte file`));
  });

  it('an absurd header length', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setUint32(0, 200 * 1024 * 1024, true);
    expectRefusal(bytes, /header length 209715200 is absurd/);
    const high = new Uint8Array(16);
    new DataView(high.buffer).setUint32(4, 1, true);
    expectRefusal(high, /header length 4294967296 is absurd/);
  });

  it('a header that is not JSON, or not valid UTF-8', () => {
    expectRefusal(craft('{"w": {"dtype": "F32",'), /header is not valid JSON/);
    const badUtf8 = craft('{"a":"xx"}');
    badUtf8[14] = 0xff;
    expectRefusal(badUtf8, /header is not valid JSON/);
  });

  it('a header that is not an object', () => {
    expectRefusal(craft([1, 2]), /header must be a JSON object, got an array/);
    expectRefusal(craft('null'), /got null/);
    expectRefusal(craft('"text"'), /got string/);
  });

  it('a missing or unsupported dtype, naming what was found', () => {
    expectRefusal(craft({ w: { shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor 'w' has no dtype/);
    expectRefusal(craft({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, f32(1)), /tensor 'w' has dtype "F16"; only F32 is supported/);
    expectRefusal(craft({ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, f32(1)), /has dtype 7/);
  });

  it('an entry that is not an object', () => {
    expectRefusal(craft({ w: [1, 2, 3] }), /entry for tensor 'w' must be an object/);
  });

  it('invalid shapes', () => {
    for (const shape of [[-1], [1.5], ['2'], 'abc', null, undefined]) {
      expectRefusal(craft({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, f32(1)), /tensor 'w' shape must be an array of non-negative integers/);
    }
  });

  it('invalid data_offsets', () => {
    for (const offsets of [[4, 0], [0], [0, 4, 8], [-4, 0], 'x', [0, 4.5]]) {
      expectRefusal(craft({ w: { dtype: 'F32', shape: [1], data_offsets: offsets } }, f32(1)), /tensor 'w' data_offsets must be \[begin, end\]/);
    }
  });

  it('data_offsets that do not match the shape', () => {
    expectRefusal(
      craft({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, f32(5)),
      /tensor 'w' data_offsets \[0, 20\] span 20 bytes but F32 shape \[2, 3\] needs 24/,
    );
  });

  it('overlapping tensors', () => {
    expectRefusal(
      craft(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        f32(3),
      ),
      /tensors 'a' \[0, 8\) and 'b' \[4, 12\) overlap/,
    );
  });

  it('data_offsets beyond the data, i.e. a truncated body', () => {
    const whole = writeSafetensors([{ name: 'w', shape: [4], data: new Float32Array(4) }], {});
    expectRefusal(whole.subarray(0, whole.length - 3), /truncated: tensor 'w' ends at data offset 16 but only 13 bytes of data follow the header/);
    expectRefusal(craft({ w: { dtype: 'F32', shape: [1], data_offsets: [1000, 1004] } }, f32(1)), /ends at data offset 1004 but only 4 bytes/);
  });

  it('data bytes that belong to no tensor', () => {
    expectRefusal(craft({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /data bytes \[0, 4\) before tensor 'w' belong to no tensor/);
    expectRefusal(craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /4 trailing bytes after the last tensor's data/);
  });

  it('metadata that is not a map of strings', () => {
    expectRefusal(craft({ __metadata__: { epochs: 3 } }), /'__metadata__' value for 'epochs' must be a string, got 3/);
    expectRefusal(craft({ __metadata__: 'x' }), /'__metadata__' must be an object of strings/);
  });
});
