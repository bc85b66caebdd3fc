/**
 * Peer: TensorFlow.js 4.22 (@tensorflow/tfjs, not tfjs-node) training the `lecun` network on
 * its WebGPU, WASM or CPU backend.
 *
 * Same network and objective as wgtrain's lecun preset: 784-300-100-10, ReLU hidden, softmax
 * + cross-entropy averaged over the mini-batch, plus λ/2·‖W‖² on the weights (biases
 * excluded), plain SGD η = 0.1. By default the L2 gradient λW is folded into the update as
 * wgtrain does (W ← (1 − ηλ)·W, then the optimizer's W ← W − η·g: one extra op per weight
 * matrix); `l2Mode: 'loss'` adds the term to the loss instead, Keras-regularizer style, which
 * on WebGPU costs several more passes over each W and a reduction per step (≈ 15–20 % of
 * the rate at batch 100 on llvmpipe; nothing on WASM) for the identical step. Xavier-uniform weights and zero biases
 * from wgtrain's own seeded initialiser, inputs scaled to [0, 1], mini-batches from a seeded
 * shuffle: for one seed, every peer and backend reports the same losses (to float rounding).
 *
 * The idiomatic fast TF.js path: `tf.variable`s and `optimizer.minimize` (or variableGrads +
 * applyGradients) in a loop, what model.fit does underneath without its per-batch callbacks
 * and loss read-backs; dense layers as `tf.fused.matMul` with bias + activation (what
 * tfjs-layers' Dense uses). The
 * images, one-hot labels and the whole shuffled order are uploaded once before timing; a
 * step slices its indices and gathers its mini-batch on the backend, so nothing is uploaded
 * per step. Per-step losses stay on the backend and are read once at the end; the clock
 * stops after a read that waits for all submitted work.
 *
 * WebGPU: Dawn's `webgpu` package as `navigator.gpu`, by default Mesa llvmpipe through
 * OpenGL ES. Dawn's GL backend offers only a compatibility-mode adapter, and TF.js asks for
 * an adapter without `featureLevel` (so it would get none and its backend fails to start):
 * `navigator.gpu` is a thin wrapper that hands TF.js the adapter found here, whose
 * requestDevice asks for every limit at the adapter's maximum (TF.js asks for six; this
 * network's kernels run within the defaults too, so this changes nothing but robustness).
 * The `gpu` object is kept reachable for the life of the process. WebGPU's dataSync needs
 * OffscreenCanvas, which Node lacks: every read here is the async `data()`.
 *
 * Each backend is best run in its own process (bench/peers/run-peer.ts): one process can
 * hold only one TF.js engine, and a Dawn device or a WASM heap lives until exit.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { batchOrder, checkOptions, CLASSES, cpuSecondsSince, initialLayers, l2Note, loadNote, lossTrend, PEER_ADAPTERS, poolSize, type PeerAdapter, type PeerData, type PeerOptions, type PeerResult } from './common.ts';
import { prepareMesaEnvironment } from '../../src/gpu/node-gpu.node.ts';

export type { PeerAdapter, PeerData, PeerOptions, PeerResult } from './common.ts';
export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';

/**
 * Dawn's instance: kept reachable for the life of the process (collected, it takes the device down with it).
 * Nothing reads it, so it stays exported (a module-private holder that is only written fails noUnusedLocals).
 * @public
 */
export let dawnInstance: GPU | null = null;
let adapterDescription: string | undefined;

// Every limit WebGPU defines that a compute workload may need; each requested at the adapter's maximum.
const LIMIT_NAMES = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxBufferSize',
  'maxStorageBuffersPerShaderStage', 'maxUniformBuffersPerShaderStage', 'maxUniformBufferBindingSize', 'maxBindGroups',
  'maxBindingsPerBindGroup',
  'maxStorageTexturesPerShaderStage', 'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage',
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
] as const;

function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return [...new Set(parts)].join(' / ') || 'unknown adapter';
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Finds a Dawn adapter the way wgtrain's --adapter does: opengl = Mesa llvmpipe through
 * OpenGL ES (compatibility mode, the only way Dawn's GL backend offers an adapter), vulkan,
 * swiftshader (Vulkan with Chromium's SwiftShader ICD), default (the system's GPU), auto
 * (default, else opengl, else vulkan).
 */
async function findAdapter(choice: PeerAdapter): Promise<{ gpu: GPU; adapter: GPUAdapter; how: string }> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  prepareMesaEnvironment();
  if (choice === 'swiftshader') process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const extra = process.env.WGTRAIN_DAWN_FLAGS ? process.env.WGTRAIN_DAWN_FLAGS.split(' ') : [];
  const opengl = { how: 'OpenGL ES, compatibility adapter', flags: ['backend=opengl', ...extra], options: { featureLevel: 'compatibility' } };
  const vulkan = { how: 'Vulkan', flags: ['backend=vulkan', ...extra], options: {} };
  const byDefault = { how: 'default adapter', flags: extra, options: { powerPreference: 'high-performance' } };
  const candidates = { opengl: [opengl], vulkan: [vulkan], swiftshader: [vulkan], default: [byDefault], auto: [byDefault, opengl, vulkan] }[choice];
  for (const c of candidates) {
    const gpu = create(c.flags);
    const adapter = await gpu.requestAdapter(c.options as GPURequestAdapterOptions);
    if (adapter) return { gpu, adapter, how: c.how };
  }
  throw new Error(`no WebGPU adapter for --adapter ${choice} (without a GPU: apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri, then use opengl)`);
}

/**
 * Installs `navigator.gpu` for TF.js: its requestAdapter hands over the adapter found above
 * (TF.js asks without `featureLevel`, for which Dawn's OpenGL backend offers none), and that
 * adapter's requestDevice asks for every limit at the adapter's maximum (TF.js asks for six;
 * compatibility-mode defaults are lower).
 */
let installed: { choice: PeerAdapter; how: string } | null = null;

async function installNavigatorGpu(choice: PeerAdapter): Promise<string> {
  if (installed) {
    if (installed.choice !== choice) throw new Error(`this process already uses --adapter ${installed.choice} for TF.js`);
    return installed.how;
  }
  const { gpu, adapter, how } = await findAdapter(choice);
  installed = { choice, how };
  dawnInstance = gpu;
  adapterDescription = describeAdapter(adapter.info);
  const wrappedAdapter = {
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
      const device = await adapter.requestDevice({ ...descriptor, requiredFeatures: features, requiredLimits: limits });
      device.addEventListener?.('uncapturederror', (e) => {
        process.stderr.write(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}\n`);
      });
      return device;
    },
  };
  const wrapped = {
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
    getPreferredCanvasFormat: (): GPUTextureFormat => 'rgba8unorm',
    requestAdapter: async () => wrappedAdapter,
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  return how;
}

export interface TfjsSetup {
  tf: typeof TF;
  adapter?: string;
  /** What was chosen on the way (WASM flavour, workarounds). */
  notes: string[];
}

/** Loads TF.js and one backend, and makes it the active one (a later call may switch backends). */
export async function setupTfjs(backend: TfjsBackend, adapterChoice: PeerAdapter = 'opengl'): Promise<TfjsSetup> {
  const notes: string[] = [loadNote()];
  // navigator.gpu must exist before the webgpu backend module is loaded (it registers itself only then).
  const how = backend === 'webgpu' ? await installNavigatorGpu(adapterChoice) : '';
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
    notes.push(`webgpu: navigator.gpu = Dawn (${how}), every limit requested at the adapter's maximum`);
  }
  // Extra TF.js flags for experiments, e.g. WGTRAIN_TFJS_FLAGS='{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":30}'.
  if (process.env.WGTRAIN_TFJS_FLAGS) {
    const flags = JSON.parse(process.env.WGTRAIN_TFJS_FLAGS) as Record<string, number | boolean | string>;
    tf.env().setFlags(flags);
    notes.push(`flags ${JSON.stringify(flags)}`);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`TF.js could not initialise its ${backend} backend`);
  await tf.ready();
  if (backend === 'webgpu') adapter = adapterDescription;
  return { tf, adapter, notes };
}

/** Trains the lecun network with TF.js on `backend` for warm-up + timed mini-batches; samples/s over the timed ones. */
export async function benchTfjs(backend: TfjsBackend, data: PeerData, opts: PeerOptions): Promise<PeerResult> {
  checkOptions(data, opts);
  const choice = (opts.adapter ?? process.env.WGTRAIN_PEER_ADAPTER ?? 'opengl') as PeerAdapter;
  if (!PEER_ADAPTERS.includes(choice)) throw new Error(`adapter must be one of ${PEER_ADAPTERS.join(', ')} (got ${choice})`);
  const { tf, adapter, notes } = await setupTfjs(backend, choice);
  const { batch, steps, warmupSteps } = opts;
  const seed = opts.seed ?? 1;
  const lr = opts.lr ?? 0.1;
  const l2 = opts.l2 ?? 1e-4;
  const P = data.rows * data.cols;

  // Images as float32 on the backend, the first poolSize(data) of them (see common.ts).
  let count = poolSize(data);
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const fit = Math.floor(maxBytes / (P * 4));
    if (fit < count) {
      count = fit;
      notes.push(`data: only ${count} images fit in one binding (maxStorageBufferBindingSize ${maxBytes}): mini-batches differ from the other peers'`);
    }
  }
  if (count < data.count) notes.push(`mini-batches drawn from the first ${count} of ${data.count} images`);
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
  const layers = initialLayers(P, seed).map((l, i) => {
    const W0 = tf.tensor2d(l.W, [l.C, l.OC]);
    const b0 = tf.tensor1d(l.b);
    const layer = { W: tf.variable(W0, true, `W${i + 1}`), b: tf.variable(b0, true, `b${i + 1}`) };
    tf.dispose([W0, b0]);
    return layer;
  });
  const varList = layers.flatMap((l) => [l.W, l.b]);
  // Make sure every upload is done before anything is timed.
  await Promise.all([xsAll.data(), ysAll.data(), orderT.data(), ...varList.map((v) => v.data())]);

  const optimizer = tf.train.sgd(lr);
  const l2Mode = opts.l2Mode ?? 'update';
  const halfL2 = tf.scalar(l2 / 2);
  const decay = tf.scalar(1 - lr * l2);
  const crossEntropy = (s: number) => (): TF.Scalar => {
    const idx = tf.slice(orderT, [s * batch], [batch]);
    const x = tf.gather(xsAll, idx);
    const y = tf.gather(ysAll, idx);
    let h = x as TF.Tensor2D;
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      h = tf.fused.matMul({ a: h, b: l.W as TF.Tensor2D, bias: l.b, activation: last ? 'linear' : 'relu' }) as TF.Tensor2D;
    });
    return tf.losses.softmaxCrossEntropy(y, h) as TF.Scalar; // mean over the mini-batch
  };
  let step: (s: number) => TF.Scalar;
  if (l2 === 0) {
    step = (s) => optimizer.minimize(crossEntropy(s), true, varList) as TF.Scalar;
  } else if (l2Mode === 'loss') {
    // Keras style (what a kernelRegularizer does): λ/2·Σ‖W‖² added to the loss, differentiated by the tape.
    step = (s) =>
      optimizer.minimize(() => {
        const ce = crossEntropy(s)();
        const sq = tf.addN(layers.map((l) => tf.sum(tf.square(l.W))));
        return tf.add(ce, tf.mul(halfL2, sq)) as TF.Scalar;
      }, true, varList) as TF.Scalar;
  } else {
    // The same SGD step folded into the update, as wgtrain's kernel does: gradients of the
    // cross-entropy, then W ← (1 − ηλ)·W and W ← W − η·g, i.e. W − η·(g + λW) exactly.
    step = (s) => {
      const { value, grads } = tf.variableGrads(crossEntropy(s), varList);
      tf.tidy(() => layers.forEach((l) => l.W.assign(tf.mul(l.W, decay))));
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
      return value;
    };
  }

  const losses: TF.Scalar[] = [];
  for (let s = 0; s < warmupSteps; s++) losses.push(step(s));
  if (warmupSteps > 0) await losses[losses.length - 1].data(); // drains the warm-up work (shader compiles included)

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = warmupSteps; s < total; s++) losses.push(step(s));
  // The last loss is read after the last update was issued: on WebGPU that read waits for
  // every command submitted before it; CPU and WASM run each op to completion anyway.
  await losses[losses.length - 1].data();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu0);

  const stacked = tf.stack(losses);
  const lossValues = await stacked.data(); // async: WebGPU's dataSync needs OffscreenCanvas, which Node lacks
  stacked.dispose();
  const { firstLoss, lastLoss } = lossTrend(Array.from(lossValues), `tfjs-${backend}`);

  tf.dispose([...losses, xsAll, ysAll, orderT, halfL2, decay]);
  optimizer.dispose();
  varList.forEach((v) => v.dispose());
  notes.push(l2Note(l2, l2Mode));

  return {
    peer: 'tfjs',
    backend,
    batch,
    samplesPerSecond: (steps * batch) / seconds,
    steps,
    warmupSteps,
    seconds,
    cpuSeconds,
    firstLoss,
    lastLoss,
    ...(adapter ? { adapter } : {}),
    note: [`TF.js ${tf.version_core}`, ...notes].join('; '),
  };
}
