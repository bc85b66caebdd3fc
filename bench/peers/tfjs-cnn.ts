/**
 * Peer: TensorFlow.js 4.22 training wgtrain's convolutional presets (lenet5, cnn) on its
 * WebGPU or WASM backend, the way tfjs-layers builds the same model: channels last (NHWC),
 * each convolution `tf.fused.conv2d` with bias and ReLU (what the Conv2D layer calls;
 * padding 'same' where the preset pads by (K − 1)/2 at stride 1, 'valid' where it does not
 * pad), `tf.maxPool` (`tf.avgPool` unpadded for avgpool, `tf.mean` over H and W for gap),
 * a flatten, dense layers as `tf.fused.matMul` with bias + ReLU,
 * softmax + cross-entropy averaged over the mini-batch, Adam (the preset's η = 1e-3,
 * β1 = 0.9, β2 = 0.999, ε = 1e-8), no L2 (the presets have none).
 *
 * The weights start from wgtrain's own initialiser for the seed: a convolution block's W is
 * stored as (KH·KW·IC rows in (i, j, c) order, OC), which is TF.js's filter layout
 * [KH, KW, IC, OC] read row-major, and NHWC flattens in the order wgtrain's dense layer
 * reads; so both start from the same network. Data, mini-batch order and timing as in
 * tfjs.ts (uploaded once; a step gathers its mini-batch on the backend; the clock stops
 * after a read that waits for every submitted step).
 *
 * TF.js's WASM backend registers Conv2D and Conv2DBackpropInput but no
 * Conv2DBackpropFilter, so it cannot train a convolution: the first step throws, and the
 * benchmark reports that instead of a rate.
 */
import type * as TF from '@tensorflow/tfjs';
import { initParams } from '../../src/model/init.ts';
import { layerViews } from '../../src/model/param-block.ts';
import { resolveNetwork } from '../../src/model/network.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { ADAM_DEFAULTS, PRESETS } from '../../src/train/config.ts';
import { batchOrder, checkOptions, CLASSES, cpuSecondsSince, lossTrend, PEER_ADAPTERS, poolSize, type PeerAdapter, type PeerData, type PeerOptions, type PeerResult } from './common.ts';
import { setupTfjs, type TfjsBackend } from './tfjs.ts';

const CNN_NETWORKS = ['lenet5', 'cnn'] as const;
export type CnnNetwork = (typeof CNN_NETWORKS)[number];

/**
 * TF.js's padding for a window of k with stride s and zero padding p on each side: 'valid'
 * for none, 'same' where it pads exactly p each side (stride 1, k = 2p + 1), else p itself
 * (TF.js's explicit symmetric padding).
 */
export function tfjsPadding(k: number, stride: number, pad: number): 'valid' | 'same' | number {
  if (pad === 0) return 'valid';
  if (stride === 1 && k === 2 * pad + 1) return 'same';
  return pad;
}

type Stage =
  | { kind: 'conv'; filter: TF.Variable; bias: TF.Variable; stride: number; pad: 'valid' | 'same' | number }
  | { kind: 'pool'; size: number; stride: number; pad: 'valid' | number }
  | { kind: 'avgpool'; size: number; stride: number }
  | { kind: 'gap' };

/** The preset's layers as TF.js variables, from wgtrain's initial parameters for `seed`. */
function buildNetwork(tf: typeof TF, spec: ModelSpec, seed: number) {
  const { params, layout } = initParams(spec, seed);
  let block = 0;
  const features = resolveNetwork(spec).layers.filter((r) => r.layer.type !== 'dense');
  const stages: Stage[] = features.map((f, i) => {
    if (f.layer.type === 'maxpool') {
      const pad = tfjsPadding(f.layer.size, f.layer.stride, f.layer.pad);
      if (pad === 'same') throw new Error('pooling with padding is not mapped to TF.js here');
      return { kind: 'pool', size: f.layer.size, stride: f.layer.stride, pad };
    }
    if (f.layer.type === 'avgpool') {
      // TF.js leaves padding out of a window's mean; wgtrain counts it (PyTorch's default).
      if (f.layer.pad) throw new Error('average pooling with padding is not mapped to TF.js here');
      return { kind: 'avgpool', size: f.layer.size, stride: f.layer.stride };
    }
    if (f.layer.type === 'globalavgpool') return { kind: 'gap' };
    if (f.layer.type !== 'conv') throw new Error(`a ${f.layer.type} layer is not mapped to TF.js here`);
    const b = layout.layers[block++];
    const { W, b: bias } = layerViews(params, b);
    const { kh, kw, filters, stride, pad } = f.layer;
    if (kh !== kw) throw new Error('non-square kernels are not mapped to TF.js here');
    return {
      kind: 'conv',
      filter: tf.variable(tf.tensor4d(W.slice(0, b.fanIn * b.OC), [kh, kw, f.in.channels, filters]), true, `conv${i + 1}.W`),
      bias: tf.variable(tf.tensor1d(bias.slice()), true, `conv${i + 1}.b`),
      stride,
      pad: tfjsPadding(kh, stride, pad),
    };
  });
  const dense = layout.layers.slice(block).map((b, i) => {
    const { W, b: bias } = layerViews(params, b);
    return { W: tf.variable(tf.tensor2d(W.slice(), [b.C, b.OC]), true, `dense${i + 1}.W`), b: tf.variable(tf.tensor1d(bias.slice()), true, `dense${i + 1}.b`) };
  });
  const vars = [...stages.flatMap((s) => (s.kind === 'conv' ? [s.filter, s.bias] : [])), ...dense.flatMap((l) => [l.W, l.b])];
  return { stages, dense, vars };
}

/** Trains `network` with TF.js on `backend` for warm-up + timed mini-batches; samples/s over the timed ones. */
export async function benchTfjsCnn(backend: TfjsBackend, network: CnnNetwork, data: PeerData, opts: PeerOptions): Promise<PeerResult> {
  checkOptions(data, opts);
  const choice = (opts.adapter ?? process.env.WGTRAIN_PEER_ADAPTER ?? 'opengl') as PeerAdapter;
  if (!PEER_ADAPTERS.includes(choice)) throw new Error(`adapter must be one of ${PEER_ADAPTERS.join(', ')} (got ${choice})`);
  const preset = PRESETS[network];
  const spec = preset.model;
  if (!spec.input || spec.input.height !== data.rows || spec.input.width !== data.cols || spec.input.channels !== 1) {
    throw new Error(`${network} takes ${spec.input?.channels}×${spec.input?.height}×${spec.input?.width} images; the data has 1×${data.rows}×${data.cols}`);
  }
  const { tf, adapter, notes } = await setupTfjs(backend, choice);
  const { batch, steps, warmupSteps } = opts;
  const seed = opts.seed ?? 1;
  const lr = opts.lr ?? preset.lr;
  const P = data.rows * data.cols;
  // Only the images the steps use need to be on the backend: the first poolSize(data) at most.
  const total = warmupSteps + steps;
  const count = Math.min(poolSize(data), Math.max(total * batch, 1000));
  if (batch > count) throw new Error(`batch ${batch} is larger than the ${count} images available`);
  notes.push(`mini-batches drawn from the first ${count} of ${data.count} images`);
  const order = batchOrder(count, batch, total, seed);

  const pixels = new Float32Array(count * P);
  for (let i = 0; i < pixels.length; i++) pixels[i] = data.images[i] / 255;
  const oneHot = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) oneHot[i * CLASSES + data.labels[i]] = 1;
  const xsAll = tf.tensor2d(pixels, [count, P], 'float32');
  const ysAll = tf.tensor2d(oneHot, [count, CLASSES], 'float32');
  const orderT = tf.tensor1d(order, 'int32');
  const { stages, dense, vars } = buildNetwork(tf, spec, seed);
  await Promise.all([xsAll.data(), ysAll.data(), orderT.data(), ...vars.map((v) => v.data())]);

  const optimizer = tf.train.adam(lr, preset.beta1 ?? ADAM_DEFAULTS.beta1, preset.beta2 ?? ADAM_DEFAULTS.beta2, preset.eps ?? ADAM_DEFAULTS.eps);
  const loss = (s: number) => (): TF.Scalar => {
    const idx = tf.slice(orderT, [s * batch], [batch]);
    let h = tf.reshape(tf.gather(xsAll, idx), [batch, data.rows, data.cols, 1]) as TF.Tensor4D;
    for (const st of stages) {
      h =
        st.kind === 'conv'
          ? tf.fused.conv2d({ x: h, filter: st.filter as TF.Tensor4D, strides: st.stride, pad: st.pad, dataFormat: 'NHWC', bias: st.bias, activation: 'relu' })
          : st.kind === 'pool'
            ? tf.maxPool(h, st.size, st.stride, st.pad)
            : st.kind === 'avgpool'
              ? tf.avgPool(h, st.size, st.stride, 'valid')
              : tf.mean(h, [1, 2], true);
    }
    let z = tf.reshape(h, [batch, -1]) as TF.Tensor2D;
    dense.forEach((l, i) => {
      z = tf.fused.matMul({ a: z, b: l.W as TF.Tensor2D, bias: l.b, activation: i === dense.length - 1 ? 'linear' : 'relu' }) as TF.Tensor2D;
    });
    return tf.losses.softmaxCrossEntropy(tf.gather(ysAll, idx), z) as TF.Scalar;
  };
  const step = (s: number) => optimizer.minimize(loss(s), true, vars) as TF.Scalar;

  const losses: TF.Scalar[] = [];
  for (let s = 0; s < warmupSteps; s++) losses.push(step(s));
  if (warmupSteps > 0) await losses[losses.length - 1].data();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = warmupSteps; s < total; s++) losses.push(step(s));
  await losses[losses.length - 1].data();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu0);

  const stacked = tf.stack(losses);
  const lossValues = await stacked.data();
  stacked.dispose();
  const { firstLoss, lastLoss } = lossTrend(Array.from(lossValues), `tfjs-${backend} ${network}`);
  tf.dispose([...losses, xsAll, ysAll, orderT]);
  optimizer.dispose();
  vars.forEach((v) => v.dispose());
  notes.push(`${network}: Adam η=${lr}, no L2, fused conv2d + bias + ReLU, NHWC`);
  return {
    peer: 'tfjs', backend, batch, samplesPerSecond: (steps * batch) / seconds, steps, warmupSteps, seconds, cpuSeconds, firstLoss, lastLoss,
    ...(adapter ? { adapter } : {}),
    note: [`TF.js ${tf.version_core}`, ...notes].join('; '),
  };
}
