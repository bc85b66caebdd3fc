/**
 * Damaged and crafted checkpoints against decodeCheckpoint: it returns a sound checkpoint or
 * throws a CheckpointError or SafetensorsError, never another error and never a large
 * allocation. With the checksum, any change to a current-format file is refused; files of
 * the first format (no checksum) must at least decode to something sound. Seeded (see
 * ../data/mutate.ts), so a failure reproduces.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/model/layout.ts';
import { SafetensorsError, writeSafetensors } from '../../src/model/safetensors.ts';
import type { Checkpoint } from '../../src/train/checkpoint.ts';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { applyMutations, attempt, MEMORY_LIMIT, mutations, SEED, u32Value, u64Value } from '../data/mutate.ts';
import { CONFIG, edit, smallCheckpoint } from './checkpoint-bytes.ts';
import { denseNetwork } from '../../src/model/arch.ts';

const RUNS = { seed: SEED, numRuns: 500 };

let good: Uint8Array;
let legacy: Uint8Array;
beforeAll(async () => {
  const c = await smallCheckpoint({ ...CONFIG, model: { ...CONFIG.model, ...denseNetwork([64, 5, 10]) } });
  good = encodeCheckpoint(c);
  legacy = writeSafetensors(
    [{ name: 'params', shape: [c.params.length], data: c.params }, { name: 'velocity', shape: [c.params.length], data: c.optimizer.velocity }],
    {
      format: 'wgtrain-checkpoint',
      config: JSON.stringify(c.config),
      state: JSON.stringify({ epoch: c.state.epoch, rng: c.state.rng.map((v) => (Number.isNaN(v) ? null : v)) }),
      data: JSON.stringify({ source: c.data.source, train: c.data.train, val: c.data.val }),
      history: JSON.stringify(c.history),
    },
  );
});

/** What every accepted checkpoint must satisfy before a trainer is handed it. */
function expectSound(c: Checkpoint): void {
  const total = paramLayout(c.config.model).total;
  expect(c.params.length).toBe(total);
  for (const t of Object.values(c.optimizer)) expect(t.length).toBe(total);
  expect(c.params.every(Number.isFinite)).toBe(true);
  expect(Number.isInteger(c.state.epoch) && c.state.epoch >= 1 && c.state.epoch <= c.config.epochs).toBe(true);
  expect(c.state.rng).toHaveLength(5);
  expect(c.history).toHaveLength(c.state.epoch);
  expect(c.config.batch).toBeGreaterThanOrEqual(1);
}

/** Decodes `bytes`; when it is accepted, `accepted` checks the result. */
function decodesOrRefuses(bytes: Uint8Array, accepted: (c: Checkpoint) => void): void {
  const r = attempt(() => decodeCheckpoint(bytes));
  expect(r.growth).toBeLessThan(MEMORY_LIMIT);
  if (r.error !== undefined) {
    if (!(r.error instanceof CheckpointError || r.error instanceof SafetensorsError)) throw r.error;
    expect((r.error as Error).message).toMatch(/^invalid (checkpoint|safetensors file): ./);
    return;
  }
  accepted(r.value as Checkpoint);
}

/** A current-format file is accepted only unchanged. */
const onlyUnchanged = (bytes: Uint8Array) => (c: Checkpoint) => {
  expect(Buffer.from(bytes).equals(Buffer.from(good)), 'a changed file was accepted').toBe(true);
  expectSound(c);
};

const wildValue = fc.oneof(
  u32Value,
  u64Value.map(Number),
  fc.constantFrom(-3, 0, 0.5, 2.5, 1e9, 2 ** 53, 1e300, -1e36, null, 'four', '', true, [1], []),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A path into the metadata's JSON fields (and one level below) to overwrite. */
const FIELD_PATHS = [
  ['config'], ['config', 'model'], ['config', 'batch'], ['config', 'lr'], ['config', 'lrDecay'], ['config', 'l2'],
  ['config', 'momentum'], ['config', 'epochs'], ['config', 'seed'], ['config', 'model', 'sizes'], ['config', 'model', 'activation'],
  ['state'], ['state', 'epoch'], ['state', 'rng'], ['data'], ['data', 'train'], ['data', 'val'], ['data', 'trainSha256'],
  ['history'], ['epochSeconds'], ['schedule'], ['format'], ['crc32'],
];

describe('decodeCheckpoint property', () => {
  it('a checkpoint with flipped, cut, inserted or deleted bytes is refused (the checksum sees every change)', () => {
    fc.assert(fc.property(mutations([0, 4, 12, 40]), (list) => {
      const bytes = applyMutations(good, list);
      decodesOrRefuses(bytes, onlyUnchanged(bytes));
    }), RUNS);
  });

  it('a single flipped bit anywhere in the header is refused', () => {
    const headerEnd = () => 8 + new DataView(good.buffer).getUint32(0, true);
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (at, bit) => {
      const bytes = good.slice();
      bytes[at % headerEnd()] ^= 1 << bit;
      decodesOrRefuses(bytes, () => expect.fail('a flipped header bit was accepted'));
    }), RUNS);
  });

  it('a field overwritten by a wild value, checksum recomputed: sound or refused naming a field', () => {
    fc.assert(fc.property(fc.constantFrom(...FIELD_PATHS), wildValue, (path, value) => {
      const bytes = edit(good, ({ metadata }) => {
        let at = metadata as Record<string, unknown>;
        for (const key of path.slice(0, -1)) {
          if (typeof at[key] !== 'object' || at[key] === null) return;
          at = at[key] as Record<string, unknown>;
        }
        at[path[path.length - 1]] = value;
      }, path[0] !== 'crc32');
      decodesOrRefuses(bytes, expectSound);
    }), RUNS);
  });

  it('a first-format checkpoint (no checksum) with damaged bytes: sound or refused', () => {
    fc.assert(fc.property(mutations([0, 4, 12, 40]), (list) => decodesOrRefuses(applyMutations(legacy, list), expectSound)), RUNS);
  });
});
