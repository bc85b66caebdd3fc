/**
 * Peers in the same run, on the same adapter and data: TensorFlow.js (WebGPU, WASM and CPU
 * backends) and a plain JS loop train the same 784-300-100-10 network at batch 100, each in
 * its own process (bench/peers/run-peer.ts), beside wgtrain's GPU and CPU trainers.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AdapterChoice } from '../src/gpu/node-gpu.node.ts';
import { fmtRate, table } from './table.ts';
import type { ThroughputRow } from './training.ts';

const run = promisify(execFile);

export interface PeerRow {
  name: string;
  samplesPerSecond: number | null;
  note: string;
}

const PEERS = [
  { name: 'TF.js webgpu', backend: 'webgpu', steps: 40 },
  { name: 'TF.js wasm', backend: 'wasm', steps: 60 },
  { name: 'TF.js cpu', backend: 'cpu', steps: 15 },
  { name: 'plain JS loop', backend: 'plain-js', steps: 30 },
] as const;

export async function runPeers(data: string, adapter: AdapterChoice, quick: boolean, results: Record<string, unknown>): Promise<PeerRow[]> {
  const rows: PeerRow[] = [];
  const ours = (results.training as ThroughputRow[] | undefined)?.find((r) => r.batch === 100);
  if (ours) {
    rows.push({ name: 'wgtrain GPU', samplesPerSecond: ours.gpu, note: 'whole epochs, from the training section' });
    rows.push({ name: 'wgtrain CPU reference', samplesPerSecond: ours.cpu, note: 'whole epochs, from the training section' });
  }
  for (const p of PEERS) {
    const steps = quick ? Math.ceil(p.steps / 2) : p.steps;
    const args = ['--import', 'tsx', 'bench/peers/run-peer.ts', '--backend', p.backend, '--batch', '100', '--steps', String(steps), '--data', data];
    try {
      const { stdout } = await run('node', args, { timeout: 600_000, maxBuffer: 1 << 24, env: { ...process.env, WGTRAIN_PEER_ADAPTER: adapter } });
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      rows.push({ name: p.name, samplesPerSecond: r.samplesPerSecond, note: `${r.steps} mini-batches after ${r.warmupSteps ?? 'a'} warm-up${r.note ? `; ${r.note}` : ''}` });
    } catch (e) {
      const err = e as { stdout?: string; message: string };
      const line = err.stdout?.trim().split('\n').pop();
      const reason = line ? (JSON.parse(line).error as string) : err.message;
      rows.push({ name: p.name, samplesPerSecond: null, note: `failed: ${reason.slice(0, 200)}` });
    }
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
