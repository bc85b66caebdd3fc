/**
 * Peers in the same run, on the same adapter and data: TensorFlow.js (WebGPU, WASM and CPU
 * backends) and a plain JS loop train the same 784-300-100-10 network at batch 100, and
 * TF.js (WebGPU, WASM) the convolutional presets, each in its own process
 * (bench/peers/run-peer.ts), beside wgtrain's GPU and CPU trainers. PyTorch, a Python
 * process of its own, is run by bench/peers/run-pytorch.ts and joins these tables' rows.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AdapterChoice } from '../src/gpu/node-gpu.node.ts';
import { fmtRate, table } from './table.ts';
import { CNN_PRESETS } from './cnn-layers.ts';
import type { NetworkThroughputRow, ThroughputRow } from './training.ts';

const run = promisify(execFile);

export interface PeerRow {
  name: string;
  samplesPerSecond: number | null;
  note: string;
}

/** The lecun network's peers, with the timed mini-batches of a full run (--quick: half). */
const PEERS = [
  { name: 'TF.js webgpu', backend: 'webgpu', steps: 40 },
  { name: 'TF.js wasm', backend: 'wasm', steps: 60 },
  { name: 'TF.js cpu', backend: 'cpu', steps: 15 },
  { name: 'plain JS loop', backend: 'plain-js', steps: 30 },
] as const;

/** Runs bench/peers/run-peer.ts with `args` in a child process; its result or its error as a row. */
async function runPeer(name: string, args: string[], adapter: AdapterChoice): Promise<PeerRow> {
  try {
    const { stdout } = await run('node', ['--import', 'tsx', 'bench/peers/run-peer.ts', ...args], {
      timeout: 600_000, maxBuffer: 1 << 24, env: { ...process.env, WGTRAIN_PEER_ADAPTER: adapter },
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    return { name, samplesPerSecond: r.samplesPerSecond, note: `${r.steps} mini-batches after ${r.warmupSteps ?? 'a'} warm-up${r.note ? `; ${r.note}` : ''}` };
  } catch (e) {
    const err = e as { stdout?: string; message: string };
    const line = err.stdout?.trim().split('\n').pop();
    const reason = line ? (JSON.parse(line).error as string) : err.message;
    return { name, samplesPerSecond: null, note: `failed: ${reason.slice(0, 200)}` };
  }
}

export async function runPeers(data: string, adapter: AdapterChoice, quick: boolean, results: Record<string, unknown>): Promise<PeerRow[]> {
  const rows: PeerRow[] = [];
  const ours = (results.training as ThroughputRow[] | undefined)?.find((r) => r.batch === 100);
  if (ours) {
    rows.push({ name: 'wgtrain GPU', samplesPerSecond: ours.gpu, note: 'whole epochs, from the training section' });
    rows.push({ name: 'wgtrain CPU reference', samplesPerSecond: ours.cpu, note: 'whole epochs, from the training section' });
  }
  for (const p of PEERS) {
    const steps = quick ? Math.ceil(p.steps / 2) : p.steps;
    rows.push(await runPeer(p.name, ['--backend', p.backend, '--batch', '100', '--steps', String(steps), '--data', data], adapter));
  }
  return rows;
}

export function formatPeers(rows: PeerRow[]): string {
  const ours = rows.find((r) => r.name === 'wgtrain GPU')?.samplesPerSecond ?? null;
  return table(
    ['trainer (batch 100)', 'samples/s', 'wgtrain GPU ÷ this', 'how measured'],
    rows.map((r) => [
      r.name,
      r.samplesPerSecond === null ? '-' : fmtRate(r.samplesPerSecond),
      r.samplesPerSecond && ours ? `${(ours / r.samplesPerSecond).toFixed(1)}×` : '-',
      r.note,
    ]),
    (c) => c === 1 || c === 2,
  );
}

export interface CnnPeerRow extends PeerRow {
  network: string;
}

/**
 * The convolutional presets' peers: TF.js webgpu trains each for a few mini-batches (on
 * llvmpipe it takes seconds per mini-batch of the cnn preset), after one warm-up; TF.js
 * wasm is run too, and its row says why it has no rate (it cannot train a convolution).
 */
const CNN_PEERS = [
  { name: 'TF.js webgpu', backend: 'webgpu', steps: { lenet5: 8, cnn: 4 } },
  { name: 'TF.js wasm', backend: 'wasm', steps: { lenet5: 2, cnn: 2 } },
] as const;

export async function runCnnPeers(data: string, adapter: AdapterChoice, quick: boolean, ours: NetworkThroughputRow[]): Promise<CnnPeerRow[]> {
  const rows: CnnPeerRow[] = [];
  for (const network of CNN_PRESETS) {
    const own = ours.find((r) => r.preset === network);
    if (own) {
      const gpuHow = `${own.gpuEpochs} epoch${own.gpuEpochs > 1 ? 's (median)' : ''} of ${own.gpuImages} images after a warm-up epoch, from the training rows`;
      rows.push({ network, name: 'wgtrain GPU', samplesPerSecond: own.gpu, note: gpuHow });
      rows.push({ network, name: 'wgtrain CPU reference', samplesPerSecond: own.cpu, note: `1 epoch of ${own.cpuImages} images, from the training rows` });
    }
    for (const p of CNN_PEERS) {
      const steps = quick && p.backend === 'webgpu' ? Math.ceil(p.steps[network] / 2) : p.steps[network];
      const args = ['--backend', p.backend, '--network', network, '--batch', '100', '--steps', String(steps), '--warmup', '1', '--data', data];
      const row = await runPeer(p.name, args, adapter);
      if (row.samplesPerSecond === null && /Conv2DBackpropFilter/.test(row.note)) {
        row.note = `cannot train a convolution: TF.js ${p.backend} has no Conv2DBackpropFilter kernel (tried here: ${row.note.replace(/^failed: /, '')})`;
      }
      rows.push({ network, ...row });
    }
  }
  return rows;
}

/** Where the issue's targets stand: wgtrain's GPU path ≥ 10× TF.js webgpu and ≥ 5× the CPU reference. */
export function cnnTargets(rows: CnnPeerRow[]): string[] {
  return CNN_PRESETS.flatMap((network) => {
    const rate = (name: string) => rows.find((r) => r.network === network && r.name === name)?.samplesPerSecond ?? null;
    const gpu = rate('wgtrain GPU');
    if (gpu === null) return [];
    const versus = (name: string, target: number) => {
      const other = rate(name);
      if (!other) return `no rate for ${name}`;
      const x = gpu / other;
      return `${x.toFixed(1)}× ${name} (target ${target}×: ${x >= target ? 'met' : 'not met'})`;
    };
    return [`${network}: wgtrain GPU ${versus('TF.js webgpu', 10)}, ${versus('wgtrain CPU reference', 5)}`];
  });
}

export function formatCnnPeers(rows: CnnPeerRow[]): string {
  const gpu = (network: string) => rows.find((r) => r.network === network && r.name === 'wgtrain GPU')?.samplesPerSecond ?? null;
  return table(
    ['network', 'trainer (batch 100)', 'samples/s', 'wgtrain GPU ÷ this', 'how measured'],
    rows.map((r) => {
      const ours = gpu(r.network);
      return [
        r.network, r.name,
        r.samplesPerSecond === null ? '-' : fmtRate(r.samplesPerSecond),
        r.samplesPerSecond && ours ? `${(ours / r.samplesPerSecond).toFixed(1)}×` : '-',
        r.note,
      ];
    }),
    (c) => c === 2 || c === 3,
  );
}
