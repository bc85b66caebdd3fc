// Checksummed, atomic download of data set files from a list of mirrors.
// A file appears under its final name only once its whole content has been
// written, synced to disk and matched against its checksum (SHA-256, or MD5 where only
// that is published); nothing else is left behind.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning } from '../util/atomic-file.node.ts';
import { knownEntry, type RemoteFile } from './catalog.ts';

export type { RemoteFile };

const MNIST = knownEntry('mnist');
export const MNIST_FILES: readonly RemoteFile[] = MNIST.files;

/** Tried in order; each serves the files above under `<mirror><name>`. */
export const MNIST_MIRRORS: readonly string[] = MNIST.mirrors;

export interface MirrorFailure {
  url: string;
  reason: string;
}

export class DownloadError extends Error {
  readonly file: string;
  readonly failures: MirrorFailure[];
  constructor(file: string, dir: string, failures: MirrorFailure[], allFiles: readonly RemoteFile[], advice?: string) {
    const tried = failures.length > 0 ? failures.map((f) => `  ${f.url}: ${f.reason}`).join('\n') : '  (no mirrors were given)';
    super(
      `could not download ${file} into ${dir}:\n${tried}\n` +
        (advice ??
          `To train without downloading, put the IDX files (${allFiles.map((f) => f.name).join(', ')}; ` +
            `raw or gzipped) in a folder by some other means and pass it with --data DIR.`),
    );
    this.name = 'DownloadError';
    this.file = file;
    this.failures = failures;
  }
}

export interface DownloadOptions {
  mirrors: readonly string[];
  /** Called as bytes arrive; `total` is the Content-Length when the server sent one. Restarts at 0 on the next mirror. */
  onProgress?: (file: string, received: number, total?: number) => void;
  /** Called once a file has been downloaded, verified and moved into place. */
  onFileDone?: (file: string, bytes: number) => void;
  /** Notices worth telling the user, e.g. a cached file with the wrong checksum being replaced. */
  log?: (msg: string) => void;
  fetchImpl?: typeof fetch;
  /** Give up on a mirror when no data arrives for this long (default 30 s). */
  timeoutMs?: number;
  /** Give up on a mirror when one file takes longer than this in all (default 10 minutes), however steadily bytes trickle in. */
  deadlineMs?: number;
  /**
   * Give up on a mirror when fewer than bytesPerSecond arrive on average over any window of
   * windowMs (default 10 KiB/s over 30 s), so a trickle costs half a minute, not the deadline.
   */
  minRate?: { bytesPerSecond: number; windowMs: number };
  /** The DownloadError's last sentence, what to do instead (default: put the IDX files in a folder and pass --data DIR). */
  advice?: string;
}

export interface DownloadResult {
  downloaded: string[];
  cached: string[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DEADLINE_MS = 600_000;
const DEFAULT_MIN_RATE = { bytesPerSecond: 10 * 1024, windowMs: 30_000 };

export async function downloadDataset(
  dir: string,
  files: readonly RemoteFile[],
  opts: DownloadOptions,
): Promise<DownloadResult> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`Cannot create the data folder ${dir}: ${(e as Error).message}.`);
  }
  await removeStalePartials(dir, files, opts.log);
  const result: DownloadResult = { downloaded: [], cached: [] };
  for (const file of files) {
    const target = join(dir, file.name);
    if (await isCachedCopy(target, file, opts.log)) {
      result.cached.push(file.name);
      continue;
    }
    const failures: MirrorFailure[] = [];
    let done = false;
    for (const mirror of opts.mirrors) {
      const url = mirror.endsWith('/') ? mirror + file.name : `${mirror}/${file.name}`;
      try {
        const bytes = await fetchVerified(url, dir, target, file, opts);
        opts.onFileDone?.(file.name, bytes);
        done = true;
        break;
      } catch (e) {
        failures.push({ url, reason: (e as Error).message });
      }
    }
    if (!done) throw new DownloadError(file.name, dir, failures, files, opts.advice);
    result.downloaded.push(file.name);
  }
  return result;
}

const partialName = (file: string, pid: number) => `.${file}.partial-${pid}`;

/**
 * Removes the temporary files of downloads whose process is gone (killed before it could
 * clean up). A process that is still running may be downloading into them, so theirs are kept.
 */
async function removeStalePartials(dir: string, files: readonly RemoteFile[], log?: (msg: string) => void): Promise<void> {
  const names = new Set(files.map((f) => f.name));
  for (const entry of await readdir(dir)) {
    const match = /^\.(.+)\.partial-(\d+)$/.exec(entry);
    if (!match || !names.has(match[1]) || isRunning(Number(match[2]))) continue;
    await unlink(join(dir, entry)).catch(() => {});
    log?.(`removed ${join(dir, entry)}, left behind by an interrupted download`);
  }
}

/** True when `target` already holds the right bytes; removes it when it holds wrong ones. */
async function isCachedCopy(target: string, file: RemoteFile, log?: (msg: string) => void): Promise<boolean> {
  let info;
  try {
    info = await stat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (!info.isFile()) throw new Error(`${target} is not a regular file; remove it so that ${file.name} can be downloaded there`);
  const expected = checksumOf(file);
  const digest = await digestOfFile(target, expected.algorithm);
  if (digest === expected.hex) return true;
  log?.(`${target} has ${expected.label} ${digest}, expected ${expected.hex}: replacing it with a fresh download`);
  await unlink(target);
  return false;
}

/** The digest a file is checked against: its SHA-256 when known, else its MD5. */
function checksumOf(file: RemoteFile): { algorithm: 'sha256' | 'md5'; label: string; hex: string } {
  if (file.sha256 !== undefined) return { algorithm: 'sha256', label: 'SHA-256', hex: file.sha256.toLowerCase() };
  if (file.md5 !== undefined) return { algorithm: 'md5', label: 'MD5', hex: file.md5.toLowerCase() };
  throw new Error(`${file.name} has no checksum to verify a download against; give it a sha256 or md5`);
}

function digestOfFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** Downloads `url` to a temporary file, checks it and renames it to `target`. Returns its size. */
async function fetchVerified(url: string, dir: string, target: string, file: RemoteFile, opts: DownloadOptions): Promise<number> {
  const expected = checksumOf(file);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  let overdue = false;
  const deadline = setTimeout(() => {
    overdue = true;
    controller.abort();
  }, deadlineMs);
  const temp = join(dir, partialName(file.name, process.pid));
  let handle: FileHandle | undefined;
  let received = 0;
  // Bytes over each window of minRate.windowMs: too few, and the mirror is given up.
  const minRate = opts.minRate ?? DEFAULT_MIN_RATE;
  let windowStart = 0;
  let slowWindow: number | null = null;
  const rateCheck = setInterval(() => {
    if (received - windowStart < (minRate.bytesPerSecond * minRate.windowMs) / 1000) {
      slowWindow = received - windowStart;
      controller.abort();
    }
    windowStart = received;
  }, minRate.windowMs);
  let total: number | undefined;
  try {
    const res = await (opts.fetchImpl ?? fetch)(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      await res.body?.cancel().catch(() => {});
      throw new Error('the server sent an HTML page instead of the file (a login or error page?)');
    }
    if (!res.body) throw new Error('the response has no body');
    const length = Number(res.headers.get('content-length'));
    total = res.headers.get('content-length') !== null && Number.isSafeInteger(length) ? length : undefined;
    if (file.size !== undefined && total !== undefined && total > file.size) {
      await res.body.cancel().catch(() => {});
      throw new Error(`the server announces ${total} bytes, but ${file.name} has ${file.size}`);
    }

    handle = await open(temp, 'w');
    const hash = createHash(expected.algorithm);
    const reader = res.body.getReader();
    opts.onProgress?.(file.name, 0, total);
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (timedOut || overdue || slowWindow !== null) throw e;
        throw new Error(`connection lost after ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${describe(e)}`);
      }
      if (chunk.done) break;
      if (file.size !== undefined && received + chunk.value.length > file.size) {
        await reader.cancel().catch(() => {});
        throw new Error(`the server sent more than the ${file.size} bytes ${file.name} has`);
      }
      timer.refresh();
      hash.update(chunk.value);
      await handle.write(chunk.value);
      received += chunk.value.length;
      opts.onProgress?.(file.name, received, total);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;

    const digest = hash.digest('hex');
    if (digest !== expected.hex) {
      throw new Error(`checksum mismatch: got ${expected.label} ${digest} for ${received} bytes, expected ${expected.hex}`);
    }
    await rename(temp, target);
    await syncDir(dir);
    return received;
  } catch (e) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    if (overdue) throw new Error(`too slow: ${received} bytes in ${deadlineMs / 1000} s, the longest a file may take`);
    if (slowWindow !== null) {
      throw new Error(`too slow: ${slowWindow} bytes in the last ${minRate.windowMs / 1000} s, under the ${minRate.bytesPerSecond} bytes/s a download must keep up`);
    }
    if (timedOut) throw new Error(`timed out: no data for ${timeoutMs / 1000} s after ${received} bytes`);
    throw new Error(describe(e));
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    clearInterval(rateCheck);
  }
}

const NETWORK_HINTS: Record<string, string> = {
  ENOTFOUND: 'host not found; is there a network connection?',
  EAI_AGAIN: 'name lookup failed; is there a network connection?',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENETUNREACH: 'network unreachable',
};

function describe(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (!err.cause) return err.message;
  const code = err.cause.code;
  const detail = code ? (NETWORK_HINTS[code] ? `${code}: ${NETWORK_HINTS[code]}` : code) : err.cause.message;
  return `${err.message} (${detail})`;
}

/** Makes the rename durable; directories cannot be opened for syncing on every platform, hence best effort. */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here (e.g. Windows); the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}
