/**
 * What every peer shares: the result shape, the lecun network's initial parameters (the
 * very ones wgtrain starts from for the same seed), the seeded mini-batch order, and the
 * check that training progressed.
 */
import { cpus, loadavg } from 'node:os';
import { initParams } from '../../src/model/init.ts';
import { layerViews } from '../../src/model/param-block.ts';
import { permutation, Rng } from '../../src/model/rng.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { denseNetwork } from '../../src/model/arch.ts';

export interface PeerResult {
  peer: string;
  backend: string;
  batch: number;
  samplesPerSecond: number;
  steps: number;
  /** Untimed mini-batches run first. */
  warmupSteps?: number;
  seconds: number;
  /**
   * CPU time (user + system, all threads of this process: JS, WASM, llvmpipe's workers)
   * over the timed section. Far below seconds × cores for a multi-threaded peer, or
   * samplesPerSecond swinging between runs, means the machine was busy with other work.
   */
  cpuSeconds?: number;
  /** Mean loss over the first few mini-batches (warm-up included): cross-entropy, plus the L2 term with l2Mode 'loss'. */
  firstLoss: number;
  /** Mean loss over the last few timed mini-batches. */
  lastLoss: number;
  adapter?: string;
  note?: string;
}

export interface PeerData {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface PeerOptions {
  batch: number;
  steps: number;
  warmupSteps: number;
  seed?: number;
  lr?: number;
  l2?: number;
  /**
   * How λ/2·‖W‖² enters (the SGD step is the same either way):
   *   update (default): folded into the update, W ← W − η·(g + λW), as wgtrain does; the reported loss is the cross-entropy alone;
   *   loss: added to the loss and differentiated (Keras regularizer style); the reported loss includes it.
   */
  l2Mode?: L2Mode;
  /** WebGPU only: which Dawn adapter (default: $WGTRAIN_PEER_ADAPTER, else opengl). */
  adapter?: PeerAdapter;
}

export const L2_MODES = ['update', 'loss'] as const;
export type L2Mode = (typeof L2_MODES)[number];

export function l2Note(l2: number, mode: L2Mode): string {
  if (l2 === 0) return 'L2 off (l2 = 0)';
  return mode === 'loss'
    ? `L2 λ=${l2} added to the loss (λ/2·Σ‖W‖², reported loss includes it)`
    : `L2 λ=${l2} folded into the update W ← W − η(g + λW) (reported loss: cross-entropy only)`;
}

/** Dawn adapters, as wgtrain's --adapter names them. */
export const PEER_ADAPTERS = ['opengl', 'vulkan', 'swiftshader', 'default', 'auto'] as const;
export type PeerAdapter = (typeof PEER_ADAPTERS)[number];

/**
 * Every peer draws its mini-batches from the first POOL images (or all, when fewer), so all
 * peers see the same mini-batches in the same order. The cap is set by WebGPU: TF.js keeps
 * the images as one float32 tensor, and one storage-buffer binding is limited to 128 MiB on
 * llvmpipe (and by default on most GPUs), ~42,800 images of 28×28. Throughput does not
 * depend on how many images the mini-batches are drawn from.
 */
const POOL = 40000;

export function poolSize(data: PeerData): number {
  return Math.min(data.count, POOL);
}

/** CPU time of this process since `from` (process.cpuUsage()), in seconds. */
export function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

/** How busy the machine was when the peer started (the 1-minute load average), for the note. */
export function loadNote(): string {
  return `1-min load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs at start`;
}

export const CLASSES = 10;

/** The `lecun` preset's network: 784-300-100-10, ReLU, softmax + cross-entropy, Xavier-uniform. */
function lecunSpec(pixels: number): ModelSpec {
  return { ...denseNetwork([pixels, 300, 100, CLASSES]), activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' };
}

export interface LayerInit {
  C: number;
  OC: number;
  /** C × OC row-major: W[c, o] at c·OC + o (x·W convention). */
  W: Float32Array;
  b: Float32Array;
}

/** Xavier-uniform weights and zero biases from wgtrain's own seeded initialiser (identical start for a given seed). */
export function initialLayers(pixels: number, seed: number): LayerInit[] {
  const { params, layout } = initParams(lecunSpec(pixels), seed);
  return layout.layers.map((block) => {
    const { W, b } = layerViews(params, block);
    return { C: block.C, OC: block.OC, W: W.slice(), b: b.slice() };
  });
}

/**
 * The sample indices of `total` mini-batches of `batch`, drawn epoch by epoch from a
 * seeded shuffle of 0..count-1 (each epoch drops its incomplete last mini-batch, as a
 * fixed-shape training loop does).
 */
export function batchOrder(count: number, batch: number, total: number, seed: number): Int32Array {
  if (batch > count) throw new Error(`batch ${batch} is larger than the data set (${count} images)`);
  const perEpoch = Math.floor(count / batch);
  const out = new Int32Array(total * batch);
  const rng = new Rng(seed ^ 0x5eed);
  const perm = new Uint32Array(count);
  for (let step = 0; step < total; step++) {
    if (step % perEpoch === 0) permutation(perm, rng);
    const from = (step % perEpoch) * batch;
    for (let i = 0; i < batch; i++) out[step * batch + i] = perm[from + i];
  }
  return out;
}

/**
 * Mean of the first and last `window` losses; throws when the last are not lower (training
 * did not progress). The window smooths single-sample noise at small batches.
 */
export function lossTrend(losses: ArrayLike<number>, peer: string): { firstLoss: number; lastLoss: number } {
  const n = losses.length;
  if (n === 0) throw new Error(`${peer}: no mini-batch was run`);
  const window = Math.max(1, Math.min(10, Math.floor(n / 4)));
  let first = 0;
  let last = 0;
  for (let i = 0; i < window; i++) {
    first += losses[i];
    last += losses[n - window + i];
  }
  const firstLoss = first / window;
  const lastLoss = last / window;
  if (!Number.isFinite(firstLoss) || !Number.isFinite(lastLoss)) {
    throw new Error(`${peer}: the loss is not finite (first ${firstLoss}, last ${lastLoss})`);
  }
  if (!(lastLoss < firstLoss)) {
    throw new Error(`${peer}: training did not progress (mean loss of the first ${window} mini-batches ${firstLoss.toFixed(4)}, of the last ${window} ${lastLoss.toFixed(4)})`);
  }
  return { firstLoss, lastLoss };
}

export function checkOptions(data: PeerData, opts: PeerOptions): void {
  for (const [name, v] of [['batch', opts.batch], ['steps', opts.steps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number (got ${v})`);
  }
  if (!Number.isInteger(opts.warmupSteps) || opts.warmupSteps < 0) throw new Error(`warmupSteps must be a whole number ≥ 0 (got ${opts.warmupSteps})`);
  const P = data.rows * data.cols;
  if (data.images.length < data.count * P || data.labels.length < data.count) {
    throw new Error(`data holds fewer images or labels than count (${data.count})`);
  }
}
