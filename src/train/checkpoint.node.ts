/**
 * Checkpoint files on disk, written atomically (temporary file, fsync, rename, fsync the
 * folder), and the lock that keeps two runs from writing one folder.
 */
import { createHash } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from '../data/dataset.ts';
import { isRunning, writeFileAtomic } from '../util/atomic-file.node.ts';
import type { Checkpoint, DataIdentity } from './checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.ts';

/** SHA-256 of a split: its count, image size and classes (u32 little-endian), then images and labels. */
function splitSha256(split: Split): string {
  const shape = new Uint8Array(new Uint32Array([split.count, split.rows, split.cols, split.classes]).buffer);
  return createHash('sha256').update(shape).update(split.images).update(split.labels).digest('hex');
}

export function dataIdentity(source: string, train: Split, val: Split): DataIdentity {
  return { source, train: train.count, val: val.count, trainSha256: splitSha256(train), valSha256: splitSha256(val) };
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const LOCK_FILE = 'checkpoint.lock';

export const noCheckpointMessage = (dir: string) =>
  `No checkpoint to resume from in ${dir} (${CHECKPOINT_FILE} is missing): run once with --checkpoint ${dir} first.`;

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
      throw new Error(noCheckpointMessage(dir));
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

export interface FolderLock {
  release(): void;
}

/**
 * Takes DIR/checkpoint.lock, holding this process's id, so that a second run on the folder is
 * refused instead of both writing it. A lock whose process is gone (killed with -9, a
 * crash) is taken over. The lock goes when the process exits, however it exits.
 */
export async function lockCheckpointFolder(dir: string, log: (msg: string) => void): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`).finally(() => file.close());
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 3) {
        throw new Error(`--checkpoint ${dir}: cannot take the lock ${path} (${(e as Error).message}).`);
      }
    }
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    const owner = /^\d+$/.test(text) ? Number(text) : null;
    if (owner !== null && owner !== process.pid && isRunning(owner)) {
      throw new Error(
        `Another wgtrain (pid ${owner}) is using the checkpoint folder ${dir}: wait for it to finish, or use another folder. ` +
          `(If no such run is going, delete ${path}.)`,
      );
    }
    await unlink(path).catch(() => {});
    log(owner !== null ? `removed a stale lock of process ${owner}, which is no longer running` : `removed an unreadable lock file ${path}`);
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return { release };
}
