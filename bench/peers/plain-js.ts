/**
 * Peer: a plain single-threaded JavaScript training loop, the textbook way: Float32Array
 * matrices, nested loops, no SIMD, no workers, no blocking or other tricks.
 *
 * Same network and objective as wgtrain's lecun preset (784-300-100-10, ReLU hidden,
 * softmax + cross-entropy averaged over the mini-batch, λ/2·‖W‖² on the weights, whose
 * gradient λW joins dW, plain SGD η = 0.1), starting from the same initial weights and drawing mini-batches from the same
 * seeded shuffle as the TF.js peer.
 *
 * Layout: W is C × OC row-major (x·W), so every inner loop runs along a contiguous row
 * (the natural order for this layout, not an optimisation).
 */
import { batchOrder, checkOptions, CLASSES, cpuSecondsSince, initialLayers, l2Note, loadNote, lossTrend, poolSize, type PeerData, type PeerOptions, type PeerResult } from './common.ts';

export type { PeerData, PeerOptions, PeerResult } from './common.ts';

interface Layer {
  C: number;
  OC: number;
  W: Float32Array;
  b: Float32Array;
  dW: Float32Array;
  db: Float32Array;
  /** This layer's output for the mini-batch: B × OC (after ReLU for hidden layers, logits for the last). */
  out: Float32Array;
  /** Gradient of the loss with respect to this layer's pre-activation: B × OC. */
  delta: Float32Array;
}

/** One SGD step on the mini-batch `idx`; returns its loss (mean cross-entropy, + λ/2·Σ‖W‖² when `l2InLoss`). */
function trainStep(layers: Layer[], data: PeerData, x: Float32Array, idx: Int32Array, lr: number, l2: number, l2InLoss: boolean): number {
  const B = idx.length;
  const P = data.rows * data.cols;

  // Gather the mini-batch, scaled to [0, 1].
  for (let i = 0; i < B; i++) {
    const src = idx[i] * P;
    for (let p = 0; p < P; p++) x[i * P + p] = data.images[src + p] / 255;
  }

  // Forward: out = act(in · W + b).
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    const { C, OC, W, b, out } = layers[l];
    const hidden = l < layers.length - 1;
    for (let i = 0; i < B; i++) {
      for (let o = 0; o < OC; o++) out[i * OC + o] = b[o];
      for (let c = 0; c < C; c++) {
        const v = input[i * C + c];
        for (let o = 0; o < OC; o++) out[i * OC + o] += v * W[c * OC + o];
      }
      if (hidden) for (let o = 0; o < OC; o++) if (out[i * OC + o] < 0) out[i * OC + o] = 0;
    }
    input = out;
  }

  // Softmax + cross-entropy, mean over the batch; delta = (softmax − onehot) / B.
  const last = layers[layers.length - 1];
  const K = last.OC;
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const z = last.out;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(z[i * K + k] - max);
    const label = data.labels[idx[i]];
    loss += -(z[i * K + label] - max - Math.log(sum));
    for (let k = 0; k < K; k++) {
      const p = Math.exp(z[i * K + k] - max) / sum;
      last.delta[i * K + k] = (p - (k === label ? 1 : 0)) / B;
    }
  }
  loss /= B;
  if (l2 > 0 && l2InLoss) {
    let sq = 0;
    for (const { W } of layers) for (let j = 0; j < W.length; j++) sq += W[j] * W[j];
    loss += (l2 / 2) * sq;
  }

  // Backward: dW = inᵀ · delta + λW, db = Σ delta; the previous layer's delta = (delta · Wᵀ) ⊙ ReLU'.
  for (let l = layers.length - 1; l >= 0; l--) {
    const { C, OC, W, dW, db, delta } = layers[l];
    const inp = l > 0 ? layers[l - 1].out : x;
    for (let j = 0; j < dW.length; j++) dW[j] = l2 * W[j];
    db.fill(0);
    for (let i = 0; i < B; i++) {
      for (let o = 0; o < OC; o++) db[o] += delta[i * OC + o];
      for (let c = 0; c < C; c++) {
        const v = inp[i * C + c];
        for (let o = 0; o < OC; o++) dW[c * OC + o] += v * delta[i * OC + o];
      }
    }
    if (l > 0) {
      const prev = layers[l - 1];
      for (let i = 0; i < B; i++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let o = 0; o < OC; o++) s += delta[i * OC + o] * W[c * OC + o];
          prev.delta[i * C + c] = prev.out[i * C + c] > 0 ? s : 0;
        }
      }
    }
  }

  // SGD.
  for (const { W, b, dW, db } of layers) {
    for (let j = 0; j < W.length; j++) W[j] -= lr * dW[j];
    for (let o = 0; o < b.length; o++) b[o] -= lr * db[o];
  }
  return loss;
}

/** Trains the lecun network with plain JS loops for warm-up + timed mini-batches; samples/s over the timed ones. */
export async function benchPlainJs(data: PeerData, opts: PeerOptions): Promise<PeerResult> {
  checkOptions(data, opts);
  const { batch, steps, warmupSteps } = opts;
  const seed = opts.seed ?? 1;
  const lr = opts.lr ?? 0.1;
  const l2 = opts.l2 ?? 1e-4;
  const l2Mode = opts.l2Mode ?? 'update';
  const l2InLoss = l2Mode === 'loss';
  const P = data.rows * data.cols;
  const total = warmupSteps + steps;
  const count = poolSize(data);
  const order = batchOrder(count, batch, total, seed);

  const layers: Layer[] = initialLayers(P, seed).map(({ C, OC, W, b }) => ({
    C, OC, W, b,
    dW: new Float32Array(C * OC),
    db: new Float32Array(OC),
    out: new Float32Array(batch * OC),
    delta: new Float32Array(batch * OC),
  }));
  if (layers[layers.length - 1].OC !== CLASSES) throw new Error('the last layer must have 10 outputs');
  const x = new Float32Array(batch * P);

  const losses = new Float64Array(total);
  for (let s = 0; s < warmupSteps; s++) losses[s] = trainStep(layers, data, x, order.subarray(s * batch, (s + 1) * batch), lr, l2, l2InLoss);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = warmupSteps; s < total; s++) losses[s] = trainStep(layers, data, x, order.subarray(s * batch, (s + 1) * batch), lr, l2, l2InLoss);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu0);

  const { firstLoss, lastLoss } = lossTrend(losses, 'plain-js');
  return {
    peer: 'plain-js',
    backend: 'plain-js',
    batch,
    samplesPerSecond: (steps * batch) / seconds,
    steps,
    warmupSteps,
    seconds,
    cpuSeconds,
    firstLoss,
    lastLoss,
    note: [
      `single-threaded Float32Array loops, Node ${process.version}`,
      loadNote(),
      ...(count < data.count ? [`mini-batches drawn from the first ${count} of ${data.count} images`] : []),
      l2Note(l2, l2Mode),
    ].join('; '),
  };
}
