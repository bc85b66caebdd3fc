/**
 * Peer: TensorFlow.js (4.22, @tensorflow/tfjs without tfjs-node) training the `lecun` network on its
 * WebGPU, WASM or CPU backend.
 *
 * Same network and objective as wgtrain's lecun preset: 784-300-100-10, ReLU hidden, softmax
 * + cross-entropy averaged over the mini-batch, plus λ/2·Σ‖W‖² on the weights (biases
 * excluded), plain SGD η = 0.1; Xavier-uniform weights and zero biases taken from wgtrain's
 * own seeded initialiser, inputs scaled to [0, 1], mini-batches from a seeded shuffle.
 *
 * The idiomatic fast TF.js path: `tf.variable`s and `optimizer.minimize` in a loop (what
 * model.fit does underneath, without its per-batch callbacks and loss read-backs), dense
 * layers as `tf.fused.matMul` with bias + activation (what tfjs-layers' Dense uses). The
 * images, one-hot labels and the whole shuffled order are uploaded once before timing; a
 * step slices its indices and gathers its mini-batch on the backend, so nothing is uploaded
 * per step. Per-step losses stay on the backend and are read once at the end; the clock
 * stops after a read that waits for all submitted work.
 *
 * WebGPU: Dawn's `webgpu` package as `navigator.gpu`, Mesa llvmpipe through OpenGL ES
 * (compatibility mode). TF.js asks for an adapter without `featureLevel` and for only six
 * limits; compatibility mode's defaults (4 storage buffers per stage, …) are too small for
 * some of its kernels, so `navigator.gpu` is a thin wrapper that asks for a compatibility
 * adapter and requests every limit at the adapter's maximum.
 *
 * Each backend is best run in its own process (bench/peers/run-peer.ts): one process can
 * hold only one TF.js engine, and a Dawn device or a WASM heap lives until exit.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { batchOrder, checkOptions, CLASSES, initialLayers, lossTrend, type PeerData, type PeerOptions, type PeerResult } from './common.ts';

export type { PeerData, PeerOptions, PeerResult } from './common.ts';
export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';
export const TFJS_BACKENDS: readonly TfjsBackend[] = ['webgpu', 'wasm', 'cpu'];

/** Dawn's instance: kept reachable for the life of the process (collected, it takes the device down with it). */
let dawn: unknown = null;
let adapterDescription: string | undefined;

// Every limit WebGPU defines that a compute workload may need; each requested at the adapter's maximum.
const LIMIT_NAMES = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxBufferSize',
  'maxStorageBuffersPerShaderStage', 'maxUniformBuffersPerShaderStage', 'maxUniformBufferBindingSize', 'maxBindGroups',
  'maxBindingsPerBindGroup', 'maxDynamicStorageBuffersPerPipelineLayout', 'maxDynamicUniformBuffersPerPipelineLayout',
  'maxStorageTexturesPerShaderStage', 'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage',
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
] as const;

function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return [...new Set(parts)].join(' / ') || 'unknown adapter';
}

/** Installs `navigator.gpu`: Dawn through OpenGL ES (llvmpipe without a GPU), compatibility mode, all limits. */
async function installNavigatorGpu(): Promise<void> {
  if (dawn) return;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const flags = ['backend=opengl', ...(process.env.WGTRAIN_DAWN_FLAGS ? process.env.WGTRAIN_DAWN_FLAGS.split(' ') : [])];
  const gpu = create(flags);
  dawn = gpu;
  const wrapped = {
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
    getPreferredCanvasFormat: (): GPUTextureFormat => 'rgba8unorm',
    async requestAdapter(options?: GPURequestAdapterOptions) {
      const adapter = await gpu.requestAdapter({ ...options, featureLevel: 'compatibility' } as GPURequestAdapterOptions);
      if (!adapter) return null;
      adapterDescription = describeAdapter(adapter.info);
      return {
        features: adapter.features,
        limits: adapter.limits,
        info: adapter.info,
        isFallbackAdapter: false,
        async requestDevice(descriptor: GPUDeviceDescriptor = {}) {
          const limits: Record<string, number> = {};
          const have = adapter.limits as unknown as Record<string, number | undefined>;
          for (const name of LIMIT_NAMES) if (typeof have[name] === 'number') limits[name] = have[name];
          // TF.js 4.22 pushes ['bgra8unorm-storage'] (an array) into requiredFeatures: flatten.
          const features = [...(descriptor.requiredFeatures ?? [])].flat() as GPUFeatureName[];
          const device = await adapter.requestDevice({ ...descriptor, requiredFeatures: features, requiredLimits: { ...limits } });
          device.addEventListener?.('uncapturederror', (e) => {
            process.stderr.write(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}\n`);
          });
          return device;
        },
      };
    },
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
}

export interface TfjsSetup {
  tf: typeof TF;
  adapter?: string;
  /** What was chosen on the way (WASM flavour, workarounds). */
  notes: string[];
}

/** Loads tfjs-core and one backend, and makes it the active one. */
export async function setupTfjs(backend: TfjsBackend): Promise<TfjsSetup> {
  const notes: string[] = [];
  if (backend === 'webgpu') await installNavigatorGpu(); // before the backend module looks for navigator.gpu
  // The umbrella package: tfjs-core's Node build registers no gradients (they ship only as
  // extension-less ESM files Node cannot load); @tensorflow/tfjs's Node bundle does.
  const tf = await import('@tensorflow/tfjs');
  let adapter: string | undefined;
  if (backend === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    wasm.setWasmPaths(dist);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    // TF.js switches multi-threading off in Node (its Emscripten pthreads start workers from Blob URLs, which Node's Worker cannot load).
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    notes.push(`wasm: ${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : 'single-threaded (TF.js disables WASM threads in Node)'}`);
  } else {
    await import('@tensorflow/tfjs-backend-webgpu');
    notes.push('webgpu: navigator.gpu = Dawn (OpenGL ES, compatibility adapter) with every limit requested at the adapter maximum');
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`TF.js could not initialise its ${backend} backend`);
  await tf.ready();
  if (backend === 'webgpu') adapter = adapterDescription;
  tf.env().set('DEBUG', false);
  return { tf, adapter, notes };
}

/** Trains the lecun network with TF.js on `backend` for warm-up + timed mini-batches; samples/s over the timed ones. */
export async function benchTfjs(backend: TfjsBackend, data: PeerData, opts: PeerOptions): Promise<PeerResult> {
  checkOptions(data, opts);
  const { tf, adapter, notes } = await setupTfjs(backend);
  const { batch, steps, warmupSteps } = opts;
  const seed = opts.seed ?? 1;
  const lr = opts.lr ?? 0.1;
  const l2 = opts.l2 ?? 1e-4;
  const P = data.rows * data.cols;

  // Images as float32 on the backend. A WebGPU storage binding is limited (llvmpipe: 128 MiB,
  // ~42,000 MNIST images); the rate does not depend on how many images there are to draw from.
  let count = data.count;
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const fit = Math.floor(maxBytes / (P * 4));
    if (fit < count) {
      count = fit;
      notes.push(`data: first ${count} of ${data.count} images (a float32 image tensor is limited to maxStorageBufferBindingSize = ${maxBytes} bytes)`);
    }
  }
  if (batch > count) throw new Error(`batch ${batch} is larger than the ${count} images available`);

  const total = warmupSteps + steps;
  const order = batchOrder(count, batch, total, seed);

  const pixels = new Float32Array(count * P);
  for (let i = 0; i < pixels.length; i++) pixels[i] = data.images[i] / 255;
  const oneHot = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) oneHot[i * CLASSES + data.labels[i]] = 1;

  const xsAll = tf.tensor2d(pixels, [count, P], 'float32');
  const ysAll = tf.tensor2d(oneHot, [count, CLASSES], 'float32');
  const orderT = tf.tensor1d(order, 'int32');
  const layers = initialLayers(P, seed).map((l, i) => ({
    W: tf.variable(tf.tensor2d(l.W, [l.C, l.OC]), true, `W${i + 1}`),
    b: tf.variable(tf.tensor1d(l.b), true, `b${i + 1}`),
  }));
  const varList = layers.flatMap((l) => [l.W, l.b]);
  // Make sure every upload is done before anything is timed.
  await Promise.all([xsAll.data(), ysAll.data(), orderT.data(), ...varList.map((v) => v.data())]);

  const optimizer = tf.train.sgd(lr);
  const lossOf = (s: number) => (): TF.Scalar => {
    const idx = tf.slice(orderT, [s * batch], [batch]);
    const x = tf.gather(xsAll, idx);
    const y = tf.gather(ysAll, idx);
    let h = x as TF.Tensor2D;
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      h = tf.fused.matMul({ a: h, b: l.W as TF.Tensor2D, bias: l.b, activation: last ? 'linear' : 'relu' });
    });
    const ce = tf.losses.softmaxCrossEntropy(y, h) as TF.Scalar; // mean over the mini-batch
    if (l2 === 0) return ce;
    const sq = tf.addN(layers.map((l) => tf.sum(tf.square(l.W))));
    return tf.add(ce, tf.mul(tf.scalar(l2 / 2), sq)) as TF.Scalar;
  };
  const step = (s: number) => optimizer.minimize(lossOf(s), true, varList) as TF.Scalar;

  const losses: TF.Scalar[] = [];
  for (let s = 0; s < warmupSteps; s++) losses.push(step(s));
  if (warmupSteps > 0) await losses[losses.length - 1].data(); // drains the warm-up work (shader compiles included)

  const t0 = performance.now();
  for (let s = warmupSteps; s < total; s++) losses.push(step(s));
  // The last loss is read after the last update was issued: on WebGPU that read waits for
  // every command submitted before it; CPU and WASM run each op to completion anyway.
  await losses[losses.length - 1].data();
  const seconds = (performance.now() - t0) / 1000;

  const lossValues = tf.tidy(() => tf.stack(losses)).dataSync();
  const { firstLoss, lastLoss } = lossTrend(Array.from(lossValues), `tfjs-${backend}`);

  tf.dispose([...losses, xsAll, ysAll, orderT]);
  optimizer.dispose();
  varList.forEach((v) => v.dispose());
  if (l2 === 0) notes.push('L2 off (l2 = 0)');

  return {
    peer: 'tfjs',
    backend,
    batch,
    samplesPerSecond: (steps * batch) / seconds,
    steps,
    seconds,
    firstLoss,
    lastLoss,
    ...(adapter ? { adapter } : {}),
    note: [`TF.js ${tf.version_core}`, ...notes].join('; '),
  };
}
