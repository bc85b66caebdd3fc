/**
 * Random and damaged bytes against readSafetensors and loadModel: each returns a sound
 * result or throws a SafetensorsError, never another kind of error and never a large
 * allocation. Seeded (see ../data/mutate.ts), so a failure reproduces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadModel, type SavedModel } from '../../src/model/model-file.ts';
import { readSafetensors, SafetensorsError, writeSafetensors, type SafetensorsFile } from '../../src/model/safetensors.ts';
import { ACTIVATIONS } from '../../src/model/spec.ts';
import { applyMutations, attempt, MEMORY_LIMIT, mutations, SEED, u32Value, u64Value } from '../data/mutate.ts';
import { editHeader, joinFile, modelFile, SPEC, withSpec } from './model-bytes.ts';
import { denseNetwork } from '../../src/model/arch.ts';
import { denseSizes } from '../helpers/sizes.ts';

const RUNS = { seed: SEED, numRuns: 500 };

function refusedOr<T>(read: () => T, check: (value: T) => void): void {
  const r = attempt(read);
  expect(r.growth).toBeLessThan(MEMORY_LIMIT);
  if (r.error !== undefined) {
    if (!(r.error instanceof SafetensorsError)) throw r.error;
    expect(r.error.message).toMatch(/^invalid safetensors file: ./);
    return;
  }
  check(r.value as T);
}

function readsOrRefuses(bytes: Uint8Array): void {
  refusedOr(
    () => readSafetensors(bytes),
    (file: SafetensorsFile) => {
      for (const t of file.tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      for (const v of Object.values(file.metadata)) expect(typeof v).toBe('string');
    },
  );
}

function loadsOrRefuses(bytes: Uint8Array): void {
  refusedOr(
    () => loadModel(bytes),
    (m: SavedModel) => {
      expect(m.params.length).toBe(m.layout.total);
      expect(m.layout.layers.map((b) => b.C)).toEqual(denseSizes(m.spec).slice(0, -1));
    },
  );
}

const tensorFile = writeSafetensors(
  [
    { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'b', shape: [], data: Float32Array.from([7]) },
    { name: 'c', shape: [0], data: new Float32Array(0) },
  ],
  { note: 'x' },
);
const model = modelFile();
const deepModel = modelFile({ ...SPEC, ...denseNetwork([3, 4, 4, 2]), loss: 'quadratic' });
/** The u64 header length, and a spot inside the JSON. */
const FIELDS = [0, 4, 12, 40];

/** A JSON value that breaks header fields: huge, negative, fractional, of the wrong type. */
const wildValue = fc.oneof(
  u32Value,
  u64Value.map(Number),
  fc.constantFrom(-1, 0.5, 2 ** 53, 1e300, null, 'F32', 'F16', ''),
  fc.array(fc.oneof(u32Value, u64Value.map(Number), fc.constantFrom(-4, 1.5)), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);

interface HeaderEdit {
  entry: number;
  field: 'dtype' | 'shape' | 'data_offsets' | 'whole' | 'spec';
  index?: number;
  value: unknown;
}

/** Overwrites one field of one header entry (or one element of it), or the spec, with a wild value. */
const headerEdit: fc.Arbitrary<HeaderEdit> = fc.record({
  entry: fc.nat(),
  field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const, 'whole' as const, 'spec' as const),
  index: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  value: wildValue,
});

function applyHeaderEdit(bytes: Uint8Array, e: HeaderEdit): Uint8Array {
  if (e.field === 'spec') return withSpec(bytes, e.value);
  return editHeader(bytes, (h) => {
    const names = Object.keys(h);
    const name = names[e.entry % names.length];
    if (e.field === 'whole') {
      h[name] = e.value;
      return;
    }
    const entry = h[name] as Record<string, unknown>;
    const current = entry[e.field];
    if (e.index !== undefined && Array.isArray(current)) current[e.index] = e.value;
    else entry[e.field] = e.value;
  });
}

describe('readSafetensors property', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), readsOrRefuses), RUNS);
  });

  it('a correct header length over random JSON and a random body', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.uint8Array({ maxLength: 64 }), (json, body) => readsOrRefuses(joinFile(json, body))),
      RUNS,
    );
  });

  it('a valid file with flipped, cut, inserted or deleted bytes, or a random header length', () => {
    fc.assert(fc.property(mutations(FIELDS), (list) => readsOrRefuses(applyMutations(tensorFile, list))), RUNS);
  });

  it('a valid file with a header field overwritten by a wild value', () => {
    fc.assert(fc.property(headerEdit.filter((e) => e.field !== 'spec'), (e) => readsOrRefuses(applyHeaderEdit(tensorFile, e))), RUNS);
  });
});

describe('loadModel property', () => {
  it('a model file with flipped, cut, inserted or deleted bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(model, deepModel), mutations(FIELDS), (base, list) => loadsOrRefuses(applyMutations(base, list))),
      RUNS,
    );
  });

  it('a model file with a header field or the spec overwritten by a wild value', () => {
    fc.assert(fc.property(fc.constantFrom(model, deepModel), headerEdit, (base, e) => loadsOrRefuses(applyHeaderEdit(base, e))), RUNS);
  });

  it('any architecture in the spec, however large, against the same tensors', () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 6 }), u32Value, fc.constantFrom(0, -3, 2.5, 2 ** 40, 2 ** 53, 1e300));
    const spec = fc.record({
      sizes: fc.array(size, { maxLength: 5 }),
      activation: fc.constantFrom(...ACTIVATIONS, 'swish'),
      loss: fc.constantFrom('cross-entropy', 'quadratic', 'hinge'),
      outputActivation: fc.constantFrom(...ACTIVATIONS),
      init: fc.constantFrom('xavier', 'he', 'normal'),
    });
    fc.assert(fc.property(spec, (s) => loadsOrRefuses(withSpec(model, s))), RUNS);
  });
});
