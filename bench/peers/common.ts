/**
 * What every peer shares: the result shape, the lecun network's initial parameters (the
 * very ones wgtrain starts from for the same seed), the seeded mini-batch order, and the
 * check that training progressed.
 */
import { initParams } from '../../src/model/init.ts';
import { layerViews } from '../../src/model/layout.ts';
import { permutation, Rng } from '../../src/model/rng.ts';
import type { ModelSpec } from '../../src/model/spec.ts';

export interface PeerResult {
  peer: string;
  backend: string;
  batch: number;
  samplesPerSecond: number;
  steps: number;
  seconds: number;
  /** Mean loss (cross-entropy + L2 term) over the first few mini-batches (warm-up included). */
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
}

/** The `lecun` preset's network: 784-300-100-10, ReLU, softmax + cross-entropy, Xavier-uniform. */
export const LECUN_SIZES = [784, 300, 100, 10];
export const CLASSES = 10;

export function lecunSpec(pixels: number): ModelSpec {
  return { sizes: [pixels, 300, 100, CLASSES], activation: 'relu', loss: 'cross-entropy', outputActivation: 'identity', init: 'xavier' };
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
