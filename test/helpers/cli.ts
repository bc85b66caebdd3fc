/** Running the wgtrain command as a child process, and fixture data for it. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip, repoRoot, writeIdx } from '../data/fixtures.ts';
import { syntheticSplit } from './splits.ts';

export const BIN = join(repoRoot, 'bin', 'wgtrain.js');
const run = promisify(execFile);

export async function wgtrain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return wgtrainIn(repoRoot, ...args);
}

/** The command run from `cwd`, where relative paths (runs/ for saved models) land. */
export async function wgtrainIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * The command with stdout and stderr written to files, as a shell's `> out 2> err` does
 * (execFile gives a child sockets, which behave differently: see src/cli/native-stderr.node.ts).
 */
export async function wgtrainToFile(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wgtrain-out-'));
  const [out, err] = await Promise.all([open(join(dir, 'stdout'), 'w'), open(join(dir, 'stderr'), 'w')]);
  try {
    const child = spawn('node', [BIN, ...args], { cwd: repoRoot, stdio: ['ignore', out.fd, err.fd] });
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    return { code, stdout: await readFile(join(dir, 'stdout'), 'utf8'), stderr: await readFile(join(dir, 'stderr'), 'utf8') };
  } finally {
    await Promise.all([out.close(), err.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

export function spawnWgtrain(...args: string[]): ChildProcess {
  return spawn('node', [BIN, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A folder of IDX files with `count` learnable 8×8 images. */
export async function writeSyntheticIdx(dir: string, count: number, seed = 5): Promise<void> {
  const s = syntheticSplit(count, seed, 8, 8);
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzip(writeIdx('u8', [s.count, 8, 8], s.images)));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), writeIdx('u8', [s.count], s.labels));
}
