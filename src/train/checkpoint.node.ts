/**
 * Checkpoint files on disk, written atomically (temporary file, fsync, rename, fsync the
 * folder), and the lock that keeps two runs from writing one folder.
 */
import { createHash } from 'node:crypto';
import { constants, readFileSync, statSync, unlinkSync } from 'node:fs';
import { link, lstat, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from '../data/dataset.ts';
import { isRunning, removeStaleTemps, tempName, writeFileAtomic } from '../util/atomic-file.node.ts';
import { architectureText } from '../model/arch.ts';
import { paramLayout, stateLayout } from '../model/layout.ts';
import { readModelSpec } from '../model/model-file.ts';
import { openSafetensorsFile, UnreadableFileError, type OpenedSafetensors } from '../util/safetensors-file.node.ts';
import type { Checkpoint, DataIdentity } from './checkpoint.ts';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.ts';
import type { TrainConfig } from './config.ts';

/**
 * SHA-256 of a split: its count, image size and classes (u32 little-endian; the channels
 * after them when not 1, so grayscale checkpoints written before colour still match), then
 * images and labels.
 */
function splitSha256(split: Split): string {
  const words = [split.count, split.rows, split.cols, split.classes, ...(split.channels === 1 ? [] : [split.channels])];
  const shape = new Uint8Array(new Uint32Array(words).buffer);
  return createHash('sha256').update(shape).update(split.images).update(split.labels).digest('hex');
}

export function dataIdentity(source: string, train: Split, val: Split): DataIdentity {
  return { source, train: train.count, val: val.count, trainSha256: splitSha256(train), valSha256: splitSha256(val) };
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const LOCK_FILE = 'checkpoint.lock';

export const noCheckpointMessage = (dir: string) =>
  `No checkpoint to resume from in ${dir} (${CHECKPOINT_FILE} is missing): run once with --checkpoint ${dir} first.`;

export async function writeCheckpoint(dir: string, c: Checkpoint): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, CHECKPOINT_FILE);
  await writeFileAtomic(path, encodeCheckpoint(c));
  return path;
}

/** Opens DIR/checkpoint.safetensors through the guarded reader, wording its refusals for a checkpoint. */
async function openCheckpointFile(dir: string): Promise<OpenedSafetensors> {
  const path = join(dir, CHECKPOINT_FILE);
  try {
    return await openSafetensorsFile(path);
  } catch (e) {
    if (e instanceof UnreadableFileError) {
      if (e.reason === 'missing') throw new Error(noCheckpointMessage(dir));
      if (e.reason === 'folder') throw new Error(`Cannot resume from ${path}: it is a folder, not a checkpoint file.`);
      throw new Error(`Cannot read the checkpoint ${path}: ${e.message}.`);
    }
    throw new Error(`${path}: ${(e as Error).message}. It cannot be resumed: put back a copy of it, or delete it and start afresh.`);
  }
}

/**
 * The most data bytes a checkpoint of this header's network can hold, or null when the
 * header names no network.
 */
function claimedLimit(metadata: Record<string, string>): number | null {
  try {
    const config = JSON.parse(metadata.config ?? '') as { model?: unknown };
    const spec = readModelSpec(config.model);
    // The parameters, up to two optimiser tensors as long, and any layer state (batch norm).
    return spec ? 4 * (3 * paramLayout(spec).total + stateLayout(spec).total) : null;
  } catch {
    return null;
  }
}

export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  const path = join(dir, CHECKPOINT_FILE);
  const file = await openCheckpointFile(dir);
  try {
    const { dataStart, metadata } = file.header;
    const limit = claimedLimit(metadata);
    if (limit !== null && file.size - dataStart > limit) {
      throw new CheckpointError(`its tensors hold ${(file.size - dataStart).toLocaleString('en-US')} bytes, more than the network it names has parameters and optimiser state for (${limit.toLocaleString('en-US')})`);
    }
    return decodeCheckpoint(await file.readAll());
  } catch (e) {
    if (e instanceof UnreadableFileError) throw new Error(`Cannot read the checkpoint ${path}: ${e.message}.`);
    throw new Error(`${path}: ${(e as Error).message}. It cannot be resumed: put back a copy of it, or delete it and start afresh.`);
  } finally {
    await file.close();
  }
}

/**
 * What is in DIR/checkpoint.safetensors, from its header alone, for a message: "epoch 30
 * of 30, network 784-256-10, saved 2025-01-31 14:05", or null when nothing is there.
 */
export async function describeCheckpoint(dir: string): Promise<string | null> {
  const path = join(dir, CHECKPOINT_FILE);
  let info;
  try {
    info = await lstat(path);
  } catch {
    return null;
  }
  const saved = new Date(info.mtimeMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `saved ${saved.getFullYear()}-${pad(saved.getMonth() + 1)}-${pad(saved.getDate())} ${pad(saved.getHours())}:${pad(saved.getMinutes())}`;
  try {
    const file = await openSafetensorsFile(path);
    await file.close();
    const { metadata } = file.header;
    const config = JSON.parse(metadata.config) as TrainConfig;
    const state = JSON.parse(metadata.state) as { epoch: number };
    // A checkpoint written before the layer list names its network in the older form.
    const spec = readModelSpec(config.model);
    return `epoch ${state.epoch} of ${config.epochs}, network ${spec ? architectureText(spec) : 'of unknown form'}, ${when}`;
  } catch {
    return `one that cannot be read, ${when}`;
  }
}

export interface FolderLock {
  release(): void;
}

/** What identifies a process beyond its id: its start time in clock ticks since boot (Linux), so a reused id is told apart. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A lock's holder: `<pid> <start>` (the start is absent in locks written by older wgtrains). */
interface LockOwner {
  pid: number;
  start?: string;
}

function parseLock(text: string): LockOwner | null {
  const m = /^(\d{1,10})(?: (\d{1,20}))?\n?$/.exec(text);
  if (!m || Number(m[1]) < 1) return null;
  return m[2] === undefined ? { pid: Number(m[1]) } : { pid: Number(m[1]), start: m[2] };
}

/** Why a lock's holder is not a running wgtrain, or null when it may be one. */
function whyStale(owner: LockOwner): string | null {
  if (!isRunning(owner.pid)) return `of process ${owner.pid}, which is no longer running`;
  const start = processStart(owner.pid);
  if (owner.start !== undefined && start !== undefined && start !== owner.start) {
    return `of process ${owner.pid}, which is no longer running (that id now belongs to another process)`;
  }
  if (owner.start === undefined && owner.pid === 1) return 'naming process 1, the system\'s init, not a wgtrain';
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock file that holds no owner is taken for one still being written by an older wgtrain until it is this old. */
const UNREADABLE_LOCK_GRACE_MS = 2000;
/** A breaker's token (below) older than this was left by a process killed while breaking. */
const BREAK_TOKEN_STALE_MS = 10_000;

/** The lock file as found: its inode and text, or what else is there. */
async function inspectLock(path: string): Promise<{ kind: 'gone' } | { kind: 'not-a-file'; what: string } | { kind: 'file'; ino: number; text: string; ageMs: number }> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP') return { kind: 'not-a-file', what: 'a symbolic link' };
    throw e;
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) return { kind: 'not-a-file', what: info.isDirectory() ? 'a folder' : 'not a regular file' };
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await file.read(buffer, 0, 64, 0);
    return { kind: 'file', ino: info.ino, text: buffer.subarray(0, bytesRead).toString('latin1'), ageMs: Date.now() - info.mtimeMs };
  } finally {
    await file.close();
  }
}

/**
 * Removes the lock file with inode `ino` and text `text`, and only that one, even when other
 * processes judge it stale at the same moment and one of them has already put its own lock
 * there: the breaker first hard-links the lock to `<lock>.break-<ino>`, which only one
 * process can create, and checks that the link is the same file with the same text. The
 * name stays taken while the file lives, so no other lock can get that inode number then.
 * Returns whether this process removed it.
 */
async function breakStaleLock(path: string, ino: number, text: string, dir: string): Promise<boolean> {
  const token = `${path}.break-${ino}`;
  try {
    await link(path, token);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EEXIST') throw e;
    const info = await lstat(token).catch(() => null);
    if (info && Date.now() - info.ctimeMs > BREAK_TOKEN_STALE_MS) {
      throw new Error(
        `--checkpoint ${dir}: a run was killed while clearing a stale lock there: if no wgtrain is using the folder, delete ${path} and ${token}, then run again.`,
      );
    }
    await sleep(10);
    return false;
  }
  try {
    const info = await lstat(token);
    if (info.ino !== ino || (await readFile(token, 'latin1')) !== text) return false;
    await unlink(path);
    return true;
  } finally {
    await unlink(token).catch(() => {});
  }
}

/**
 * Takes DIR/checkpoint.lock, holding this process's id and start time, so that a second run
 * on the folder is refused instead of both writing it. The lock appears whole: the text is
 * written to a temporary file first and hard-linked into place, which fails if a lock is
 * there. A lock whose process is gone (killed with -9, a crash) is taken over
 * (breakStaleLock). The lock goes when the process exits, however it exits.
 */
export async function lockCheckpointFolder(dir: string, log: (msg: string) => void): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  const start = processStart(process.pid);
  const mine = `${process.pid}${start !== undefined ? ` ${start}` : ''}\n`;
  const cannot = (e: unknown) => new Error(`--checkpoint ${dir}: cannot take the lock ${path} (${(e as Error).message}).`);
  for (const stale of await removeStaleTemps(path)) log(`removed ${stale}, left behind by an interrupted run`);
  const tmp = tempName(path);
  // The lock is the temporary file linked into place: the same inode, known before it exists.
  let ino: number;
  try {
    await writeFile(tmp, mine, { flag: 'w' });
    ino = (await lstat(tmp)).ino;
  } catch (e) {
    throw cannot(e);
  }
  // Registered before the lock can exist, so a signal at any later moment (the process exits
  // from its handler) still removes it; only our own inode with our own text is removed.
  const release = () => {
    process.off('exit', release);
    for (const p of [tmp, path]) {
      try {
        if (statSync(p).ino === ino && readFileSync(p, 'utf8') === mine) unlinkSync(p);
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', release);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
      }
      const found = await inspectLock(path);
      if (found.kind === 'gone') continue;
      if (found.kind === 'not-a-file') {
        throw new Error(`--checkpoint ${dir}: ${path} is ${found.what}, not a lock file wgtrain wrote: remove it and run again.`);
      }
      const owner = parseLock(found.text);
      const stale = owner === null ? null : owner.pid === process.pid ? 'of this same process' : whyStale(owner);
      if (owner !== null && stale === null) {
        throw new Error(
          `Another wgtrain (pid ${owner.pid}) is using the checkpoint folder ${dir}: wait for it to finish, or use another folder. ` +
            `(If no such run is going, delete ${path}.)`,
        );
      }
      if (owner === null && found.ageMs < UNREADABLE_LOCK_GRACE_MS && attempt < 100) {
        await sleep(50); // perhaps an older wgtrain, which wrote its id after creating the file
        continue;
      }
      if (await breakStaleLock(path, found.ino, found.text, dir)) {
        log(owner !== null ? `removed a stale lock ${stale}` : `removed an unreadable lock file ${path} (it held ${JSON.stringify(found.text.slice(0, 20))})`);
      }
    }
  } catch (e) {
    release();
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return { release };
}
