/** Checkpoint files on disk, written atomically: temporary file, fsync, rename, fsync the folder. */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from '../data/dataset.ts';
import { writeFileAtomic } from '../util/atomic-file.node.ts';
import type { Checkpoint, DataIdentity } from './checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.ts';

/** SHA-256 of a split: its count, image size and classes (u32 little-endian), then images and labels. */
export function splitSha256(split: Split): string {
  const shape = new Uint8Array(new Uint32Array([split.count, split.rows, split.cols, split.classes]).buffer);
  return createHash('sha256').update(shape).update(split.images).update(split.labels).digest('hex');
}

export function dataIdentity(source: string, train: Split, val: Split): DataIdentity {
  return { source, train: train.count, val: val.count, trainSha256: splitSha256(train), valSha256: splitSha256(val) };
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export async function writeCheckpoint(dir: string, c: Checkpoint): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, CHECKPOINT_FILE);
  await writeFileAtomic(path, encodeCheckpoint(c));
  return path;
}

export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  const path = join(dir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`No checkpoint to resume from in ${dir} (${CHECKPOINT_FILE} is missing): run once with --checkpoint ${dir} first.`);
    }
    if (code === 'EISDIR') throw new Error(`Cannot resume from ${path}: it is a folder, not a checkpoint file.`);
    throw new Error(`Cannot read the checkpoint ${path}: ${(e as Error).message}.`);
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}. It cannot be resumed: put back a copy of it, or delete it and start afresh.`);
  }
}
