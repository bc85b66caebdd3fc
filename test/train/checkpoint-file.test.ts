/**
 * The checkpoint file refuses damage and edits with one message naming the field: crafted
 * files for each case the issue found (short params, changed sizes, bad epochs and rng,
 * wrong-length velocity, NaN and huge weights, a zeroed page, null fields), each both with
 * the checksum left stale and recomputed, so the field checks are tested on their own.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/model/layout.ts';
import { CHECKPOINT_FILE, readCheckpoint } from '../../src/train/checkpoint.node.ts';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { CONFIG, edit, smallCheckpoint, type Parts } from './checkpoint-bytes.ts';

const state = (m: Record<string, unknown>) => m.state as { epoch: unknown; rng: unknown };
const config = (m: Record<string, unknown>) => m.config as Record<string, unknown> & { model: { sizes: number[] } };

/** Each edit and the message it must give (after `invalid checkpoint: `). */
const EDITS: [string, (p: Parts) => void, RegExp][] = [
  ['params shorter than the network', (p) => p.tensors.set('params', new Float32Array(1000)), /^tensor params has shape \[1000\], but network 64-300-10 needs \[\d+\]/],
  ['spec sizes changed', (p) => { config(p.metadata).model.sizes = [64, 200, 10]; }, /^tensor params has shape \[\d+\], but network 64-200-10 needs/],
  ['epoch -3', (p) => { state(p.metadata).epoch = -3; }, /^state\.epoch is -3; expected a whole number from 1 to 3 \(the run's epochs\)/],
  ['epoch "four"', (p) => { state(p.metadata).epoch = 'four'; }, /^state\.epoch is "four"; expected a whole number/],
  ['epoch 2.5', (p) => { state(p.metadata).epoch = 2.5; }, /^state\.epoch is 2\.5; expected/],
  ['epoch 1e9', (p) => { state(p.metadata).epoch = 1e9; }, /^state\.epoch is 1000000000; expected a whole number from 1 to 3/],
  ['rng [1]', (p) => { state(p.metadata).rng = [1]; }, /^state\.rng is \[1\]; expected four 32-bit words/],
  ['velocity of the wrong length', (p) => p.tensors.set('velocity', new Float32Array(7)), /^tensor velocity has shape \[7\], but network 64-300-10 needs/],
  ['velocity missing', (p) => p.tensors.delete('velocity'), /^tensor velocity is missing/],
  ['a NaN weight', (p) => { p.tensors.get('params')![5] = NaN; }, /^params\[5\] is NaN; a checkpoint holds only finite numbers/],
  ['data null', (p) => { p.metadata.data = null; }, /^data is null; expected an object/],
  ['config null', (p) => { p.metadata.config = null; }, /^config is null; expected an object/],
  ['config without a model', (p) => { delete (config(p.metadata) as Record<string, unknown>).model; }, /^config\.model is missing; expected a network/],
  ['batch 0', (p) => { config(p.metadata).batch = 0; }, /^config\.batch is 0; expected a whole number from 1 up/],
  ['seed 1.5', (p) => { config(p.metadata).seed = 1.5; }, /^config\.seed is 1\.5; expected a whole number from 0 to 4294967295/],
  ['history too short', (p) => { p.metadata.history = []; }, /^history is \[\]; expected 1 accuracies/],
  ['data digest missing', (p) => { delete (p.metadata.data as Record<string, unknown>).trainSha256; }, /^data\.trainSha256 is missing; expected a SHA-256/],
  ['format changed', (p) => { p.metadata.format = 'wgtrain'; }, /^format "wgtrain" is not "wgtrain-checkpoint-v2": this is not a wgtrain checkpoint/],
  ['epochSeconds too short', (p) => { p.metadata.epochSeconds = []; }, /^epochSeconds is \[\]; expected 1 training times in seconds, each ≥ 0 or null where unknown/],
  ['a negative epoch time', (p) => { p.metadata.epochSeconds = [-1]; }, /^epochSeconds is \[-1\]; expected 1 training times/],
  ['an epoch time "fast"', (p) => { p.metadata.epochSeconds = ['fast']; }, /^epochSeconds is \["fast"\]; expected/],
  ['schedule not matching the config', (p) => { config(p.metadata).lr = 0.7; }, /^schedule\[0\] is .*; expected the config's lr, lrDecay and epochs/],
];

let good: Uint8Array;
beforeAll(async () => {
  good = encodeCheckpoint(await smallCheckpoint());
});

function refusal(bytes: Uint8Array): string {
  try {
    decodeCheckpoint(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('checkpoint file', () => {
  it('round-trips', async () => {
    const c = decodeCheckpoint(good);
    expect(c.params.length).toBe(paramLayout(c.config.model).total);
    expect(Object.keys(c.optimizer)).toEqual(['velocity']);
    expect(encodeCheckpoint(c)).toEqual(good);
  });

  it('keeps each epoch\'s training time, null where unknown; a file written before times were recorded still loads, without them', () => {
    const c = decodeCheckpoint(good);
    expect(c.epochSeconds).toEqual([expect.any(Number)]);
    expect(c.epochSeconds![0]).toBeGreaterThan(0);
    expect(decodeCheckpoint(encodeCheckpoint({ ...c, epochSeconds: [null] })).epochSeconds).toEqual([null]);
    const older = decodeCheckpoint(edit(good, (p) => { delete p.metadata.epochSeconds; }, true));
    expect(older.epochSeconds).toBeUndefined();
    expect(older.history).toEqual(c.history);
  });

  it.each(EDITS)('refuses %s, naming the field (checksum recomputed)', (_, change, message) => {
    expect(refusal(edit(good, change, true))).toMatch(new RegExp(`^invalid checkpoint: ${message.source.slice(1)}`));
  });

  it.each(EDITS)('refuses %s, naming the field (checksum left as it was)', (_, change, message) => {
    expect(refusal(edit(good, change, false))).toMatch(new RegExp(`^invalid checkpoint: ${message.source.slice(1)}`));
  });

  it('refuses damage no field check can see: a flipped bit, a huge weight, a zeroed 64 KiB page', () => {
    const headerEnd = 8 + new DataView(good.buffer).getUint32(0, true);
    const flipped = good.slice();
    flipped[headerEnd + 4001] ^= 0x10;
    const huge = good.slice();
    new DataView(huge.buffer).setFloat32(headerEnd + 400, 1e36, true);
    const zeroed = good.slice();
    zeroed.fill(0, headerEnd + 4096, headerEnd + 4096 + 65536);
    const padding = good.slice();
    padding[headerEnd - 1] = 0x09; // a tab for the last padding space: still valid JSON
    for (const bytes of [flipped, huge, zeroed, padding]) {
      expect(refusal(bytes)).toMatch(/^invalid checkpoint: checksum mismatch: the file's contents have CRC-32 [0-9a-f]{8} but it records [0-9a-f]{8}; it was damaged or edited after it was written$/);
    }
  });

  it('readCheckpoint names the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgtrain-ckfile-'));
    try {
      await writeFile(join(dir, CHECKPOINT_FILE), edit(good, (p) => { state(p.metadata).epoch = -3; }, true));
      await expect(readCheckpoint(dir)).rejects.toThrow(
        `${join(dir, CHECKPOINT_FILE)}: invalid checkpoint: state.epoch is -3; expected a whole number from 1 to 3 (the run's epochs). It cannot be resumed: put back a copy of it, or delete it and start afresh.`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a negative value in Adam's second moment, even with the checksum recomputed (issue 18, case 5)", async () => {
    const adam = encodeCheckpoint(await smallCheckpoint({ ...CONFIG, optimizer: 'adam', momentum: 0 }));
    expect(decodeCheckpoint(adam).optimizer.adam_v.length).toBeGreaterThan(0);
    const edited = edit(adam, (p) => { p.tensors.get('adam_v')![3] = -1; }, true);
    expect(refusal(edited)).toBe("invalid checkpoint: adam_v[3] is -1; Adam's second moment (a mean of squares) is never negative");
  });

  it('is never written with a non-finite value or a negative second moment (issue 18, case 5)', async () => {
    const c = await smallCheckpoint({ ...CONFIG, optimizer: 'adam', momentum: 0 });
    c.params[7] = NaN;
    expect(() => encodeCheckpoint(c)).toThrow('invalid checkpoint: params[7] is NaN: not written');
    c.params[7] = 0;
    c.optimizer.adam_v[2] = -0.5;
    expect(() => encodeCheckpoint(c)).toThrow('invalid checkpoint: adam_v[2] is -0.5: not written');
  });
});
