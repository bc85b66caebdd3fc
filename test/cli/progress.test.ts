import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDownloadProgress, formatBytes } from '../../src/cli/progress.node.ts';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const pass = new PassThrough();
  const chunks: Buffer[] = [];
  pass.on('data', (c: Buffer) => chunks.push(c));
  const stream = Object.assign(pass, { isTTY, columns: 100 }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('download progress', () => {
  it('prints one line per finished file when not on a terminal', async () => {
    const { stream, text } = fakeStream(false);
    const p = createDownloadProgress(stream);
    p.onProgress('train-images-idx3-ubyte.gz', 0, 9912422);
    p.onProgress('train-images-idx3-ubyte.gz', 5_000_000, 9912422);
    p.onFileDone('train-images-idx3-ubyte.gz', 9912422);
    p.onProgress('train-labels-idx1-ubyte.gz', 28881, 28881);
    p.onFileDone('train-labels-idx1-ubyte.gz', 28881);
    p.stop();
    await new Promise((r) => setImmediate(r));
    expect(text()).toBe('downloaded train-images-idx3-ubyte.gz (9.9 MB)\ndownloaded train-labels-idx1-ubyte.gz (28.9 kB)\n');
  });

  it('draws a bar per file with name, bytes and percentage on a terminal', async () => {
    const { stream, text } = fakeStream(true);
    const p = createDownloadProgress(stream);
    p.onProgress('t10k-images-idx3-ubyte.gz', 0, 1648877);
    p.onProgress('t10k-images-idx3-ubyte.gz', 824438, 1648877);
    p.onFileDone('t10k-images-idx3-ubyte.gz', 1648877);
    p.stop();
    await new Promise((r) => setImmediate(r));
    const out = text();
    expect(out).toContain('t10k-images-idx3-ubyte.gz');
    expect(out).toMatch(/100% 1\.6 MB \/ 1\.6 MB/);
  });

  it('formats sizes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(4542)).toBe('4.5 kB');
    expect(formatBytes(47_040_016)).toBe('47.0 MB');
  });
});
