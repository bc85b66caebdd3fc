/**
 * The checkpoint lock under a real race: many processes call lockCheckpointFolder on one
 * folder at the same instant, with and without a stale lock (of a process that is gone)
 * already there. Exactly one may get it, every time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../data/fixtures.ts';

const RACERS = 8;
const TRIALS = 12;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const child = spawn('node', ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

function lines(child: ChildProcess): AsyncIterator<string> {
  let buffer = '';
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let at;
    while ((at = buffer.indexOf('\n')) >= 0) {
      queue.push(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
    }
    wake?.();
  });
  return {
    async next() {
      while (!queue.length) {
        if (child.exitCode !== null) throw new Error('a racer exited early');
        await new Promise<void>((r) => (wake = r));
      }
      return { value: queue.shift()!, done: false };
    },
  };
}

describe('the checkpoint lock', () => {
  it(`${RACERS} processes racing for it, ${TRIALS} times, half with a stale lock there: exactly one gets it each time`, async () => {
    const stale = await deadPid();
    const dirs: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const d = join(dir, `trial-${t}`);
      await mkdir(d);
      if (t % 2) await writeFile(join(d, 'checkpoint.lock'), `${stale}\n`);
      dirs.push(d);
    }
    const racers = Array.from({ length: RACERS }, () =>
      spawn('node', ['--import', 'tsx', join(repoRoot, 'test/helpers/lock-racer.ts')], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    try {
      const outputs = racers.map(lines);
      for (const o of outputs) expect((await o.next()).value).toBe('ready');
      const start = Date.now() + 300;
      for (const r of racers) r.stdin!.write(`${JSON.stringify({ start, dirs })}\n`);
      const results = await Promise.all(outputs.map(async (o) => JSON.parse((await o.next()).value) as { pid: number; got: boolean[]; errors: string[] }));
      const winners = dirs.map((_, t) => results.filter((r) => r.got[t]).length);
      expect(winners).toEqual(dirs.map(() => 1));
      for (const r of results) expect(r.errors).toEqual([]);
      // No temporary or moved-aside files are left beside the lock.
      for (const d of dirs) expect(await readdir(d)).toEqual(['checkpoint.lock']);
    } finally {
      for (const r of racers) r.stdin!.end();
      await Promise.all(racers.map((r) => (r.exitCode === null ? once(r, 'exit') : null)));
    }
  });
});

describe('locks that are not what they seem', () => {
  it('a folder in its place is one clear refusal; a lock naming pid 0 or init (1) is taken over, saying why', async () => {
    const { lockCheckpointFolder } = await import('../../src/train/checkpoint.node.ts');
    const folder = join(dir, 'folder-lock');
    await mkdir(join(folder, 'checkpoint.lock'), { recursive: true });
    const logged: string[] = [];
    await expect(lockCheckpointFolder(folder, (m) => logged.push(m))).rejects.toThrow(
      `--checkpoint ${folder}: ${join(folder, 'checkpoint.lock')} is a folder, not a lock file wgtrain wrote: remove it and run again.`,
    );
    expect(logged).toEqual([]);
    for (const [pid, said] of [['0', /^removed an unreadable lock file .* \(it held "0\\n"\)$/], ['1', /^removed a stale lock naming process 1, the system's init, not a wgtrain$/]] as const) {
      const d = join(dir, `pid-${pid}`);
      await mkdir(d);
      await writeFile(join(d, 'checkpoint.lock'), `${pid}\n`, { flag: 'w' });
      await utimes(join(d, 'checkpoint.lock'), new Date(0), new Date(0));
      const log: string[] = [];
      const lock = await lockCheckpointFolder(d, (m) => log.push(m));
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(said);
      lock.release();
      expect(await readdir(d)).toEqual([]);
    }
  });
});
