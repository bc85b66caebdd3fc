/**
 * PyTorch as a peer: finds out whether `python3` (or $WGTRAIN_PYTHON) can import torch, runs
 * bench/peers/pytorch.py with a preset's TrainConfig as JSON, and checks what it prints. Without
 * torch the peer is skipped, its reason in the rows; the benchmark goes on.
 *
 * The script trains the preset's network on the same MNIST split (the last 10,000 held out),
 * data resident on the device, in two modes per batch size: `eager` (the loop users write) and
 * `graph` (the whole step captured in a CUDA graph and replayed; skipped without CUDA).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS, type PresetName, type TrainConfig } from '../../src/train/config.ts';
import type { PeerRow } from '../peers.ts';
import { fmtRate, table } from '../table.ts';
import type { ThroughputRow } from '../training.ts';

const exec = promisify(execFile);

export const PYTORCH_SCRIPT = 'bench/peers/pytorch.py';
const PYTORCH_MODES = ['eager', 'graph'] as const;
type PytorchMode = (typeof PYTORCH_MODES)[number];

/** What the rows are called in the peers tables. */
const PYTORCH_NAMES: Record<PytorchMode, string> = {
  eager: 'PyTorch eager loop',
  graph: 'PyTorch, whole step in a CUDA graph',
};

/** The JSON given to pytorch.py --config. */
export interface PytorchJob {
  preset: PresetName;
  config: TrainConfig;
  /** The MNIST folder, absolute. */
  data: string;
  /** The last `validation` training images are held out (as the bench's holdOut). */
  validation: number;
  batches: number[];
  modes: PytorchMode[];
  /** Timed epochs per batch size and mode (samples/s is their median). */
  epochs: number;
  /** Untimed mini-batches first (and, for a graph, before the capture). */
  warmup: number;
  /** Train on the first `images` training images only (null: all). */
  images: number | null;
  /** torch.set_num_threads on the CPU (absent: torch's default, which is 1 on some machines with more cores). */
  threads?: number;
}

type PytorchRow = { mode: PytorchMode; batch: number } & (
  | {
    samplesPerSecond: number; rates: number[]; steps: number; epochs: number; warmupSteps: number; seconds: number;
    /** After the timed epochs, on the validation images: a broken peer shows here. */
    valAccuracy: number; valLoss: number;
  }
  | { skipped: string }
  | { error: string }
);

/** pytorch.py's result line. */
export interface PytorchResult {
  peer: 'pytorch';
  torch: string;
  device: string;
  deviceName: string;
  /** torch.get_num_threads() on the CPU, null on CUDA (absent from older results). */
  threads?: number | null;
  train: number;
  val: number;
  rows: PytorchRow[];
  note: string;
}

export type PytorchRun =
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; command: string }
  | { status: 'ran'; result: PytorchResult; command: string };

/** The peers section's job for a preset: the preset's own config, batches 100 and 1000 (and 10 without --quick). */
export function pytorchJob(preset: PresetName, data: string, quick: boolean, over: Partial<PytorchJob> = {}): PytorchJob {
  return {
    preset, config: PRESETS[preset], data: resolve(data), validation: 10000,
    batches: quick ? [100, 1000] : [10, 100, 1000], modes: [...PYTORCH_MODES], epochs: quick ? 1 : 3, warmup: 20, images: null,
    ...over,
  };
}

function pythonCommand(): string {
  return process.env.WGTRAIN_PYTHON ?? 'python3';
}

/** The line of a failed `import torch` worth showing: the exception (a traceback's last line), else the first line. */
function errorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const exception = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b/.test(l));
  return (exception ?? lines[0] ?? 'no output').slice(0, 200);
}

export type TorchCheck = { ok: true; version: string; cuda: boolean } | { ok: false; reason: string };

const detected = new Map<string, Promise<TorchCheck>>();

/** Whether `python` imports torch (once per interpreter and process), and its version and CUDA. */
export function detectTorch(python = pythonCommand()): Promise<TorchCheck> {
  let check = detected.get(python);
  if (!check) {
    check = probeTorch(python);
    detected.set(python, check);
  }
  return check;
}

async function probeTorch(python: string): Promise<TorchCheck> {
  const failed = (why: string): TorchCheck => ({ ok: false, reason: `PyTorch not installed (${python} -c 'import torch' failed: ${why})` });
  try {
    const { stdout } = await exec(python, ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available())'], { timeout: 120_000 });
    const [version, cuda] = stdout.trim().split(/\s+/);
    if (!version || (cuda !== 'True' && cuda !== 'False')) return failed(`unexpected output ${JSON.stringify(stdout.trim().slice(0, 100))}`);
    return { ok: true, version, cuda: cuda === 'True' };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (err.code === 'ENOENT') return failed(`${python}: not found`);
    if (err.killed) return failed('timed out after 120 s');
    return failed(errorLine(err.stderr || err.message));
  }
}

const isWhole = (v: unknown, least: number): v is number => Number.isInteger(v) && (v as number) >= least;

/**
 * pytorch.py's last line of stdout as a checked result; throws an Error that names the peer
 * and what is wrong (not JSON, an error it reported, a field missing or out of range).
 */
export function parsePytorchOutput(stdout: string): PytorchResult {
  const bad = (why: string) => new Error(`PyTorch peer: ${why}`);
  const line = stdout.trim().split('\n').pop()?.trim();
  if (!line) throw bad('printed nothing on stdout');
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    throw bad(`its last line of output is not JSON: ${line.slice(0, 120)}`);
  }
  if (typeof r !== 'object' || r === null || (r as { peer?: unknown }).peer !== 'pytorch') {
    throw bad(`expected a result {"peer": "pytorch", …}, got ${line.slice(0, 120)}`);
  }
  const o = r as Record<string, unknown>;
  if (typeof o.error === 'string') throw bad(o.error);
  for (const key of ['torch', 'device', 'deviceName', 'note'] as const) {
    if (typeof o[key] !== 'string') throw bad(`the result has no ${key}`);
  }
  for (const key of ['train', 'val'] as const) {
    if (!isWhole(o[key], 1)) throw bad(`the result's ${key} is not a positive whole number (${JSON.stringify(o[key])})`);
  }
  if (!Array.isArray(o.rows) || o.rows.length === 0) throw bad('the result has no rows');
  o.rows.forEach((row: Record<string, unknown>, i) => {
    const which = `row ${i + 1} (${String(row?.mode)}, batch ${String(row?.batch)})`;
    if (typeof row !== 'object' || row === null) throw bad(`row ${i + 1} is not an object`);
    if (!PYTORCH_MODES.includes(row.mode as PytorchMode)) throw bad(`${which}: mode must be one of ${PYTORCH_MODES.join(', ')}`);
    if (!isWhole(row.batch, 1)) throw bad(`${which}: batch is not a positive whole number`);
    if (typeof row.skipped === 'string' || typeof row.error === 'string') return;
    if (!(typeof row.samplesPerSecond === 'number' && Number.isFinite(row.samplesPerSecond) && row.samplesPerSecond > 0)) {
      throw bad(`${which} has no samplesPerSecond (nor skipped or error)`);
    }
    if (!(typeof row.valAccuracy === 'number' && row.valAccuracy >= 0 && row.valAccuracy <= 1)) throw bad(`${which}: valAccuracy is not in [0, 1]`);
    if (!isWhole(row.steps, 1) || !isWhole(row.epochs, 1)) throw bad(`${which}: steps and epochs must be positive whole numbers`);
  });
  return o as unknown as PytorchResult;
}

/** Runs pytorch.py for `job` when torch imports; never throws (a failure is a row's reason). */
export async function runPytorch(job: PytorchJob, python = pythonCommand()): Promise<PytorchRun> {
  const torch = await detectTorch(python);
  if (!torch.ok) return { status: 'skipped', reason: torch.reason };
  const args = [PYTORCH_SCRIPT, '--config', JSON.stringify(job)];
  const command = `${python} ${PYTORCH_SCRIPT} --config '<${job.preset} preset, batches ${job.batches.join(',')}>'`;
  let stdout: string;
  try {
    ({ stdout } = await exec(python, args, { timeout: 900_000, maxBuffer: 1 << 24 }));
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string; killed?: boolean };
    if (err.killed) return { status: 'failed', reason: 'PyTorch peer: timed out after 900 s', command };
    try {
      parsePytorchOutput(err.stdout ?? '');
    } catch (parsed) {
      // The script's own error line when it printed one, else how the process ended.
      const reason = err.stdout?.trim() ? (parsed as Error).message : `PyTorch peer: ${errorLine(err.stderr || err.message)}`;
      return { status: 'failed', reason, command };
    }
    return { status: 'failed', reason: `PyTorch peer: exited with an error after a result (${errorLine(err.stderr || err.message)})`, command };
  }
  try {
    return { status: 'ran', result: parsePytorchOutput(stdout), command };
  } catch (e) {
    return { status: 'failed', reason: (e as Error).message, command };
  }
}

function rowNote(row: Extract<PytorchRow, { samplesPerSecond: number }>, result: PytorchResult): string {
  const epochs = row.epochs > 1 ? `median of ${row.epochs} epochs` : '1 epoch';
  return `${epochs} of ${row.steps} mini-batches after ${row.warmupSteps} warm-up; ${result.deviceName}, torch ${result.torch}; ` +
    `validation accuracy after it ${(100 * row.valAccuracy).toFixed(1)}%`;
}

/**
 * The peers table's rows at `batch`: one per mode, or one row with the reason PyTorch did not
 * run; `suffix` names a run's variant (", all 2 cores").
 */
export function pytorchPeerRows(run: PytorchRun, batch: number, suffix = ''): PeerRow[] {
  if (run.status === 'skipped') return [{ name: `PyTorch${suffix}`, samplesPerSecond: null, note: `skipped: ${run.reason}` }];
  if (run.status === 'failed') return [{ name: `PyTorch${suffix}`, samplesPerSecond: null, note: `failed: ${run.reason.slice(0, 300)}` }];
  return run.result.rows.filter((r) => r.batch === batch).map((r) => ({
    name: `${PYTORCH_NAMES[r.mode]}${suffix}`,
    samplesPerSecond: 'samplesPerSecond' in r ? r.samplesPerSecond : null,
    note: 'samplesPerSecond' in r ? rowNote(r, run.result) : 'skipped' in r ? `skipped: ${r.skipped}` : `failed: ${r.error}`,
  }));
}

/** PyTorch at every batch size it ran, beside wgtrain's GPU at the same batch (from the training section, where it ran). */
export function formatPytorch(run: PytorchRun, training: ThroughputRow[] = []): string {
  if (run.status !== 'ran') return `PyTorch: ${run.status}: ${run.reason}`;
  const { result } = run;
  const batches = [...new Set(result.rows.map((r) => r.batch))];
  const cell = (mode: PytorchMode, batch: number) => {
    const r = result.rows.find((x) => x.mode === mode && x.batch === batch);
    if (!r) return '';
    if ('samplesPerSecond' in r) return `${fmtRate(r.samplesPerSecond)} (${(100 * r.valAccuracy).toFixed(1)}%)`;
    return 'skipped' in r ? `skipped: ${r.skipped}` : `failed: ${r.error}`;
  };
  const ours = batches.map((b) => training.find((t) => t.batch === b));
  const rows = [
    ...(ours.some(Boolean) ? [['wgtrain GPU', ...ours.map((t) => (t ? fmtRate(t.gpu) : ''))]] : []),
    ...PYTORCH_MODES.filter((m) => result.rows.some((r) => r.mode === m)).map((m) => [PYTORCH_NAMES[m], ...batches.map((b) => cell(m, b))]),
  ];
  const header = `${result.deviceName}, torch ${result.torch}; samples/s (validation accuracy after the timed epochs)`;
  return `${header}\n\n${table(['trainer', ...batches.map((b) => `batch ${b}`)], rows)}\n\n${result.note}`;
}

/**
 * Threads for a second run of the PyTorch peer on every core, where its first ran on the CPU
 * with fewer (torch 1.13 defaults to 1 thread on this project's 2-core machines, while
 * llvmpipe runs wgtrain on both): null where there is no such run to make.
 */
export function allCoresThreads(run: PytorchRun, cores: number): number | null {
  return run.status === 'ran' && run.result.device === 'cpu' ? moreThreads(run.result.threads, cores) : null;
}

/** `cores` where a CPU run's `threads` (torch.get_num_threads(); null on CUDA) are fewer, else null. */
export function moreThreads(threads: number | null | undefined, cores: number): number | null {
  return typeof threads === 'number' && threads < cores ? cores : null;
}

/** The rows' suffix of the run on every core. */
export const allCoresSuffix = (cores: number) => `, all ${cores} cores`;

/**
 * `job` again, eager only, on every core where `first` (its run at torch's default threads) left
 * some idle, with its peer rows at batch 100 named so; null where there is no such run to make.
 */
export async function pytorchOnAllCores(first: PytorchRun, job: PytorchJob, cores: number): Promise<{ run: PytorchRun; rows: PeerRow[] } | null> {
  const threads = allCoresThreads(first, cores);
  if (!threads) return null;
  const run = await runPytorch({ ...job, modes: ['eager'], threads });
  return { run, rows: pytorchPeerRows(run, 100, allCoresSuffix(threads)) };
}
