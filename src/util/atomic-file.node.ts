/**
 * Files that appear whole or not at all: written to `<path>.tmp-<pid>`, fsynced, renamed
 * over `path`, then the folder fsynced; the temporary file is removed on every failure. A
 * crash at any moment leaves the old file or the new one, plus at worst a temporary file
 * that `removeStaleTemps` clears on the next run.
 */
import { open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const tempName = (path: string, pid = process.pid) => `${path}.tmp-${pid}`;

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempName(path);
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  try {
    const folder = await open(dirname(path), 'r');
    await folder.sync().finally(() => folder.close());
  } catch {
    // Some platforms cannot fsync a folder; the rename itself is still atomic.
  }
}

/** Whether a process with this id exists (EPERM: it does, but belongs to someone else). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the `<path>.tmp-<pid>` files of processes that are gone; returns their paths. */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.tmp-`;
  let entries: string[];
  try {
    entries = await readdir(dirname(path));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = entry.slice(prefix.length);
    if (!/^\d+$/.test(pid) || isRunning(Number(pid))) continue;
    const stale = join(dirname(path), entry);
    await unlink(stale).then(() => removed.push(stale), () => {});
  }
  return removed;
}
