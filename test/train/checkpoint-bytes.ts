/** Small checkpoints for tests, and surgery on their fields. */
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.ts';
import { takeCheckpoint, type Checkpoint } from '../../src/train/checkpoint.ts';
import { dataIdentity } from '../../src/train/checkpoint.node.ts';
import { sealChecksum } from '../../src/train/checkpoint-format.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { denseNetwork } from '../../src/model/arch.ts';

export const CONFIG: TrainConfig = { ...PRESETS.lecun, model: { ...PRESETS.lecun.model, ...denseNetwork([64, 300, 10]) }, batch: 20, epochs: 3, momentum: 0.5 };

/** A checkpoint after one epoch of a small momentum run (parameters well over 64 KiB). */
export async function smallCheckpoint(config: TrainConfig = CONFIG): Promise<Checkpoint> {
  const train = syntheticSplit(200, 3, 8, 8);
  const val = syntheticSplit(40, 4, 8, 8);
  const trainer = new CpuTrainer(config, train, val);
  const r = await trainer.trainEpoch();
  return takeCheckpoint(trainer, dataIdentity('synthetic', train, val), [r.val.accuracy], undefined, [r.trainSeconds]);
}

export type Parts = { metadata: Record<string, unknown>; tensors: Map<string, Float32Array> };

/**
 * The file with its metadata (JSON fields parsed) and tensors edited; `seal` recomputes the
 * checksum, as someone crafting a file (or a bug writing one) would.
 */
export function edit(bytes: Uint8Array, change: (p: Parts) => void, seal: boolean): Uint8Array {
  const file = readSafetensors(bytes);
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file.metadata)) metadata[k] = k === 'format' || k === 'crc32' ? v : JSON.parse(v);
  const tensors = new Map([...file.tensors].map(([k, t]) => [k, t.data]));
  change({ metadata, tensors });
  const crc = metadata.crc32;
  metadata.crc32 = seal ? '00000000' : crc;
  const strings = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' && (k === 'format' || k === 'crc32') ? v : JSON.stringify(v)]));
  const out = writeSafetensors([...tensors].map(([name, data]) => ({ name, shape: [data.length], data })), strings);
  return seal ? sealChecksum(out) : out;
}

