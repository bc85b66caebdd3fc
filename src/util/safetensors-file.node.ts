/**
 * The one guarded way models and checkpoints are read from disk: the path must be a
 * regular file (a FIFO would block, /dev/zero never end), the header is read and checked
 * against the file's size first, so the caller can refuse the file on the header's claims
 * alone, and only then is the rest read, in chunks, into one buffer of exactly the size
 * the header accounts for.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { headerLength, readSafetensorsHeader, type SafetensorsHeader } from '../model/safetensors.ts';

/** Why a file could not be opened as one to read, for the caller to word. */
export class UnreadableFileError extends Error {
  constructor(
    readonly reason: 'missing' | 'folder' | 'not-regular' | 'too-large' | 'io',
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

export interface OpenedSafetensors {
  size: number;
  header: SafetensorsHeader;
  /** The whole file, read in chunks after the header was accepted. */
  readAll(): Promise<Uint8Array>;
  close(): Promise<void>;
}

const CHUNK_BYTES = 16 * 2 ** 20;

async function readExactly(file: FileHandle, into: Uint8Array, from: number, to: number): Promise<void> {
  for (let at = from; at < to; ) {
    const { bytesRead } = await file.read(into, at, Math.min(CHUNK_BYTES, to - at), at);
    if (bytesRead === 0) throw new UnreadableFileError('io', `the file became shorter while it was read (${at} of ${to} bytes): is something writing it?`);
    at += bytesRead;
  }
}

/** Opens `path`, refusing anything but a regular file of at most `maxBytes`, and reads and checks its header. */
export async function openSafetensorsFile(path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<OpenedSafetensors> {
  let file: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UnreadableFileError('missing', 'there is no such file');
    if (code === 'EISDIR') throw new UnreadableFileError('folder', 'it is a folder');
    throw new UnreadableFileError('io', (e as Error).message);
  }
  try {
    const info = await file.stat();
    if (info.isDirectory()) throw new UnreadableFileError('folder', 'it is a folder');
    if (!info.isFile()) throw new UnreadableFileError('not-regular', 'it is not a regular file');
    const size = info.size;
    if (size > maxBytes) {
      throw new UnreadableFileError('too-large', `it is ${size.toLocaleString('en-US')} bytes, more than such a file can be (at most ${maxBytes.toLocaleString('en-US')})`);
    }
    const first = new Uint8Array(Math.min(size, 8));
    await readExactly(file, first, 0, first.length);
    const start = new Uint8Array(8 + headerLength(first, size));
    start.set(first);
    await readExactly(file, start, 8, start.length);
    const header = readSafetensorsHeader(start, size);
    return {
      size,
      header,
      async readAll() {
        const bytes = new Uint8Array(size);
        bytes.set(start);
        await readExactly(file, bytes, start.length, size);
        return bytes;
      },
      close: () => file.close(),
    };
  } catch (e) {
    await file.close();
    throw e;
  }
}
