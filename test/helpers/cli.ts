/** Running the wgtrain command as a child process or in this one, and fixture data for it. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, promisify } from 'node:util';
import { runWgtrain } from '../../src/cli/program.node.ts';
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

let inProcess: Promise<unknown> = Promise.resolve();

/**
 * The command run in this process: runWgtrain, what bin/wgtrain.js runs, with this process's
 * stdout and stderr captured, so the same code prints the same messages without a child's
 * startup (0.5–1 s of CPU each, most of a refused run's cost). For runs that end before any
 * device is opened or that train on the CPU reference (`--device cpu`); signals, locks held
 * by another process, the working folder, GPU runs and the binary itself take a child
 * (`wgtrain`). Runs go one at a time (the capture is process-wide), so they may be started
 * together as children are.
 */
export function wgtrainHere(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = inProcess.then(() => captured(args));
  inProcess = result.catch(() => undefined);
  return result;
}

async function captured(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const writes = [process.stdout.write, process.stderr.write];
  const logs = [console.log, console.error];
  const exitCode = process.exitCode;
  const capture = (to: string[]) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      to.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) queueMicrotask(done);
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  // The data and devices commands print with console.log, which vitest takes over in its workers.
  console.log = (...items: unknown[]) => out.push(`${format(...items)}\n`);
  console.error = (...items: unknown[]) => err.push(`${format(...items)}\n`);
  process.exitCode = undefined;
  // A child's exit takes its signal handlers and lock releases with it; here each run must remove its own.
  const events = ['SIGINT', 'SIGTERM', 'exit'] as const;
  const listeners = events.map((e) => process.listenerCount(e));
  let code: number;
  try {
    code = await runWgtrain(args);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
    [console.log, console.error] = logs;
    process.exitCode = exitCode;
  }
  const left = events.filter((e, i) => process.listenerCount(e) !== listeners[i]);
  if (left.length) throw new Error(`wgtrain ${args.join(' ')} left ${left.join(', ')} listeners behind on the process`);
  return { code, stdout: out.join(''), stderr: err.join('') };
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
