/**
 * GPU operations with the CPU reference's names and argument order (src/cpu/), each built
 * once into a Dispatch: pipeline, bind groups, a uniform with its sizes, and workgroup
 * counts. The scheduler encodes Dispatches many times; nothing here runs per mini-batch.
 */
import type { LayerBlock, ParamLayout } from '../model/layout.ts';
import { ACTIVATION_CODE, type Activation, type Loss } from '../model/spec.ts';
import { ceilDiv, flatDispatch, MAX_WORKGROUPS_PER_DIM } from './dispatch.ts';
import { adapterName, type AdapterSummary } from './device.ts';
import type { KernelCache, KernelName, Overrides } from './kernels.ts';
import { problemKey, scratchOperands, timeCandidate } from './autotune.ts';
import { keepThreshold } from '../cpu/dropout.ts';

export interface Slice {
  buffer: GPUBuffer;
  /** Bytes; must be a multiple of the storage offset alignment (256). */
  offset?: number;
  size?: number;
}

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** The step bind group, for kernels that run once per mini-batch. */
  step?: GPUBindGroup;
  workgroups: [number, number, number];
  /** Buffers made for this dispatch alone (its sizes uniform): destroyed with it. */
  owned: GPUBuffer[];
}

export function encodeDispatch(pass: GPUComputePassEncoder, d: Dispatch, stepOffset = 0): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  if (d.step) pass.setBindGroup(1, d.step, [stepOffset]);
  pass.dispatchWorkgroups(...d.workgroups);
}

function toSlice(s: GPUBuffer | Slice): Slice {
  return 'mapState' in s ? { buffer: s } : s;
}

/** A uniform buffer of u32 sizes, written once at creation. */
export function uniformBuffer(device: GPUDevice, label: string, words: number[]): GPUBuffer {
  const size = Math.max(16, Math.ceil((words.length * 4) / 16) * 16);
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  return buffer;
}

export async function build(
  k: KernelCache,
  name: KernelName,
  overrides: Overrides,
  label: string,
  storage: (GPUBuffer | Slice)[],
  uniform: GPUBuffer,
  workgroups: [number, number, number],
  step?: GPUBindGroup,
): Promise<Dispatch> {
  const kernel = await k.get(name, overrides);
  const entries: GPUBindGroupEntry[] = storage.map((s, binding) => {
    const { buffer, offset, size } = toSlice(s);
    return { binding, resource: { buffer, offset: offset ?? 0, size: size ?? buffer.size - (offset ?? 0) } };
  });
  entries.push({ binding: storage.length, resource: { buffer: uniform } });
  const bindGroup = k.device.createBindGroup({ label, layout: kernel.layouts[0], entries });
  return { label, pipeline: kernel.pipeline, bindGroup, step, workgroups, owned: [] };
}

/** build() for a dispatch whose uniform was made for it alone. */
export async function buildOwning(...args: Parameters<typeof build>): Promise<Dispatch> {
  const d = await build(...args);
  d.owned.push(args[5]);
  return d;
}

export function destroyDispatch(d: Dispatch): void {
  for (const b of d.owned) b.destroy();
  d.owned = [];
}

// ---- dense layer -------------------------------------------------------------------

export const MATMUL_VARIANTS = ['naive', 'blocked', 'vec4', 'tiled'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];
/** A variant, or 'auto': the autotuner's fastest for each shape on this adapter (src/gpu/autotune.ts). */
export type MatmulChoice = MatmulVariant | 'auto';

/**
 * Workgroup shape and outputs per invocation of each variant: r per side, or r columns and
 * rm rows (rmTransA rows with TRANS_A).
 */
const VARIANT_GEOMETRY: Record<MatmulVariant | 'vec4_u8', { wgX: number; wgY: number; r: number; rm?: number; rmTransA?: number }> = {
  naive: { wgX: 16, wgY: 16, r: 1 },
  blocked: { wgX: 8, wgY: 8, r: 4 },
  vec4: { wgX: 8, wgY: 1, r: 8, rm: 20 }, // 20 rows × 8 columns per invocation
  tiled: { wgX: 16, wgY: 16, r: 4 },
  vec4_u8: { wgX: 8, wgY: 1, r: 8, rm: 20, rmTransA: 32 }, // vec4 reading a byte A
};

const MODE = { forward: 0, backwardInput: 1, backwardWeight: 2, backwardWeightUpdate: 3 } as const;

/** Rows of A in storage: op(A) carries an extra row of ones in the weight-gradient modes. */
const storedRowsA = (p: MatmulProblem) => (p.mode >= MODE.backwardWeight ? p.M - 1 : p.M);

/**
 * A matmul input held as bytes (four to a u32 word), each read as byte / 255: gathered
 * image batches, which layer 1 reads in its forward and weight-gradient passes. Only
 * matmul_vec4 reads bytes; see byteInputFits.
 */
export interface ByteInput {
  bytes: GPUBuffer | Slice;
}

type Operand = GPUBuffer | Slice | ByteInput;

function isByteInput(o: Operand): o is ByteInput {
  return 'bytes' in o;
}

export interface MatmulProblem {
  M: number;
  N: number;
  K: number;
  lda: number;
  ldb: number;
  transA: boolean;
  transB: boolean;
  mode: number;
  act: Activation;
}

/** Whether matmul_vec4 can run this problem (its header lists the constraints). */
export function vec4Fits(p: MatmulProblem): boolean {
  return (
    (p.K % 4 === 0 || (p.transA && !p.transB)) && p.lda % 4 === 0 && p.ldb % 4 === 0 &&
    (!p.transA || storedRowsA(p) % 4 === 0) && p.N % 4 === 0
  );
}

/**
 * Whether layer 1 can read its input as bytes with this variant: matmul_vec4 in both the
 * forward and the weight-gradient role for a (B, C) input and OC outputs.
 */
export function byteInputFits(variant: MatmulVariant, B: number, C: number, OC: number): boolean {
  return variant === 'vec4' && u8Fits(forwardProblem(B, C, OC, 'identity')) && u8Fits(backwardWeightProblem(B, C, OC));
}

/** Whether matmul_vec4_u8 can run this problem (its header lists the constraints). */
function u8Fits(p: MatmulProblem): boolean {
  return (
    p.lda % 16 === 0 && p.ldb % 4 === 0 && (p.transA ? !p.transB && storedRowsA(p) % 16 === 0 : p.K % 16 === 0) &&
    p.N % 4 === 0
  );
}

/** The variants that can run a problem (vec4 only on shapes it fits). */
function candidates(p: MatmulProblem): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => v !== 'vec4' || vec4Fits(p));
}

/**
 * The autotuner's variant for a problem (k.tuner must be set): the fastest candidate on
 * this adapter, measured on scratch buffers the first time a shape is seen, then cached.
 */
export async function tunedVariant(k: KernelCache, p: MatmulProblem): Promise<MatmulVariant> {
  const tuner = k.tuner;
  if (!tuner) throw new Error("The 'auto' matmul variant needs a tuner on the kernel cache (createTuner in src/gpu/autotune.ts).");
  return tuner.choose(problemKey(p, false), candidates(p), (variant, budgetMs, giveUpMs) => timeOnScratch(k, p, variant, false, budgetMs, giveUpMs));
}

/** Times one variant (with a byte input: matmul_vec4_u8) on scratch operands of the problem's shape. */
async function timeOnScratch(k: KernelCache, p: MatmulProblem, variant: MatmulVariant, bytes: boolean, budgetMs: number, giveUpMs: number): Promise<number> {
  const ops = scratchOperands(k.device, p, bytes);
  const d = await matmul(k, variant, `tune ${bytes ? 'vec4_u8' : variant}`, p, bytes ? { bytes: ops.a } : ops.a, ops.b, ops.aux, ops.out);
  try {
    return await timeCandidate(k, d, budgetMs, giveUpMs);
  } finally {
    destroyDispatch(d);
    for (const b of Object.values(ops)) b.destroy();
  }
}

/**
 * Whether layer 1 should read its input as bytes under 'auto': it fits, and matmul_vec4_u8
 * beats the fastest f32 variant on the layer's forward shape (measured, then cached).
 */
export async function tunedByteInput(k: KernelCache, B: number, C: number, OC: number): Promise<boolean> {
  if (!byteInputFits('vec4', B, C, OC)) return false;
  const p = forwardProblem(B, C, OC, 'identity');
  const f32 = await tunedVariant(k, p);
  const key = problemKey(p, true);
  const winner = await k.tuner!.choose(key, ['f32', 'u8'] as ('f32' | 'u8')[], (input, budgetMs, giveUpMs) =>
    timeOnScratch(k, p, input === 'u8' ? 'vec4' : f32, input === 'u8', budgetMs, giveUpMs),
  );
  return winner === 'u8';
}

async function matmul(
  k: KernelCache, requested: MatmulChoice, label: string, p: MatmulProblem,
  a: Operand, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice,
): Promise<Dispatch> {
  if (requested === 'auto') requested = isByteInput(a) ? 'vec4' : await tunedVariant(k, p);
  // vec4 needs aligned shapes; the register-blocked kernel takes the rest.
  const variant = requested === 'vec4' && !vec4Fits(p) ? 'blocked' : requested;
  if (isByteInput(a) && (requested !== 'vec4' || !u8Fits(p))) {
    throw new Error(`${label}: a byte input needs the vec4 variant and shapes that fit it (byteInputFits); got ${requested}.`);
  }
  const kernel = isByteInput(a) ? 'vec4_u8' : variant;
  label = `${label} [${kernel}]`;
  const g = VARIANT_GEOMETRY[kernel];
  const dims = uniformBuffer(k.device, `${label} dims`, [p.M, p.N, p.K, p.lda, p.ldb, 0, 0, 0]);
  const overrides: Overrides = { WG_X: g.wgX, WG_Y: g.wgY, TRANS_A: p.transA, TRANS_B: p.transB, MODE: p.mode, ACT: ACTIVATION_CODE[p.act] };
  if (kernel === 'vec4') overrides.SELECTS = prefersSelects(k.ctx.adapter);
  const rows = (p.transA ? g.rmTransA : undefined) ?? g.rm ?? g.r;
  const workgroups: [number, number, number] = [ceilDiv(p.N, g.wgX * g.r), ceilDiv(p.M, g.wgY * rows), 1];
  const aBuffer = isByteInput(a) ? a.bytes : a;
  return buildOwning(k, `matmul_${kernel}`, overrides, label, [aBuffer, b, aux, out], dims, workgroups);
}

/**
 * SwiftShader runs both sides of a branch its compiler cannot prove uniform, so matmul_vec4
 * uses selects for its ones row there (SELECTS); llvmpipe and GPUs keep the branch, which
 * skips loads. Measured: 1.7× faster on SwiftShader, 30% slower on llvmpipe.
 */
export function prefersSelects(adapter: AdapterSummary): boolean {
  return /swiftshader/i.test(adapterName(adapter));
}

function forwardProblem(B: number, C: number, OC: number, act: Activation): MatmulProblem {
  return { M: B, N: OC, K: C, lda: C, ldb: OC, transA: false, transB: false, mode: MODE.forward, act };
}

function backwardWeightProblem(B: number, C: number, OC: number, mode: number = MODE.backwardWeight): MatmulProblem {
  return { M: C + 1, N: OC, K: B, lda: C, ldb: OC, transA: true, transB: false, mode, act: 'identity' };
}

/** out (B, OC) = act(x (B, C) · W + b); wb is the layer's block [W; b]. */
export function matmulForward(
  k: KernelCache, variant: MatmulChoice, out: GPUBuffer | Slice, x: Operand, wb: GPUBuffer | Slice,
  B: number, C: number, OC: number, act: Activation, label = 'matmulForward',
): Promise<Dispatch> {
  return matmul(k, variant, label, forwardProblem(B, C, OC, act), x, wb, wb, out);
}

/** dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ actPrev'(aPrev). */
export function matmulBackwardInput(
  k: KernelCache, variant: MatmulChoice, dX: GPUBuffer | Slice, dY: GPUBuffer | Slice, wb: GPUBuffer | Slice,
  aPrev: GPUBuffer | Slice, B: number, C: number, OC: number, actPrev: Activation, label = 'matmulBackwardInput',
): Promise<Dispatch> {
  const p = { M: B, N: C, K: OC, lda: OC, ldb: OC, transA: false, transB: true, mode: MODE.backwardInput, act: actPrev };
  return matmul(k, variant, label, p, dY, wb, aPrev, dX);
}

/** dWb (C + 1, OC) = [xᵀ; 1] · dY: dW and, as its last row, dB. */
export function matmulBackwardWeight(
  k: KernelCache, variant: MatmulChoice, dWb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice,
  B: number, C: number, OC: number, label = 'matmulBackwardWeight',
): Promise<Dispatch> {
  return matmul(k, variant, label, backwardWeightProblem(B, C, OC), x, dY, dY, dWb);
}

/**
 * The weight gradient applied in place as an SGD step: wb (C + 1, OC) −= lr·([xᵀ; 1] · dY
 * + l2·W), with lr and l2 read from the optimiser buffer `opt` (optimizerBuffer), biases
 * not decayed. Saves the gradient's round trip through memory and the update's dispatch;
 * wb must not be read by anything later in the same step before this runs.
 */
export function matmulBackwardWeightUpdate(
  k: KernelCache, variant: MatmulChoice, wb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice, opt: GPUBuffer,
  B: number, C: number, OC: number, label = 'matmulBackwardWeightUpdate',
): Promise<Dispatch> {
  return matmul(k, variant, label, backwardWeightProblem(B, C, OC, MODE.backwardWeightUpdate), x, dY, opt, wb);
}

// ---- loss ----------------------------------------------------------------------------

const REDUCE_WG = 128;

/** dLogits = (softmax(logits) − onehot(labels)) / B; stats[step] = (Σ loss, #correct). */
export function softmaxCrossEntropy(
  k: KernelCache, dLogits: GPUBuffer | Slice, logits: GPUBuffer | Slice, labels: GPUBuffer | Slice, stats: GPUBuffer | Slice,
  B: number, K: number, step: GPUBindGroup, label = 'softmaxCrossEntropy',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, [B, K, 0, 0]);
  return buildOwning(k, 'softmax_cross_entropy', { WG: REDUCE_WG }, label, [logits, labels, dLogits, stats], dims, [1, 1, 1], step);
}

/** dZ = (a − onehot(labels)) ⊙ act'(a) / B; stats[step] = (Σ ½‖a − y‖², #correct). */
export function quadraticCost(
  k: KernelCache, dZ: GPUBuffer | Slice, a: GPUBuffer | Slice, labels: GPUBuffer | Slice, stats: GPUBuffer | Slice,
  B: number, K: number, act: Activation, step: GPUBindGroup, label = 'quadraticCost',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, [B, K, 0, 0]);
  const overrides = { WG: REDUCE_WG, ACT: ACTIVATION_CODE[act] };
  return buildOwning(k, 'quadratic_cost', overrides, label, [a, labels, dZ, stats], dims, [1, 1, 1], step);
}

/**
 * Workgroups output_layer aims for on GPUs: a few per compute unit of a large GPU (an H200
 * has 132), which batch 100 alone does not give; and the fewest dH columns a workgroup is given.
 */
const OUTPUT_TARGET_WORKGROUPS = 256;
const OUTPUT_MIN_SLICE_COLS = 32;
/**
 * How output_layer spreads the work: S column slices of dH per row (CS columns each), and G
 * workgroup rows, workgroup row g taking batch rows g, g + G, … (shaders/output_layer.wgsl).
 */
export interface OutputGeometry {
  S: number;
  G: number;
}

/** A float's f32 bits, for a uniform of u32 words. */
const f32Bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

/** The previous layer's dropout, applied to dH by output_layer as dropout() would apply it. */
export interface OutputDropout {
  seed: number;
  /** The hidden layer whose units are dropped (its index among the dense layers). */
  layer: number;
  p: number;
  /** The optimiser uniform (optimizerBuffer): its t0 numbers the mini-batch. */
  opt: GPUBuffer;
}

/** One workgroup row per batch row, and dH in column slices when that alone is too few workgroups. */
export function outputGeometry(B: number, C: number, withDH: boolean): OutputGeometry {
  const S = withDH ? Math.min(ceilDiv(OUTPUT_TARGET_WORKGROUPS, B), ceilDiv(C, OUTPUT_MIN_SLICE_COLS)) : 1;
  return { S: Math.max(1, S), G: B };
}

/**
 * Whether output_layer can run an output layer of K classes on this device
 * (its header lists the constraints); otherwise the trainer keeps matmul forward, the loss
 * kernel and the backward-input matmul.
 */
export function outputLayerFits(device: GPUDevice, K: number): boolean {
  return K >= 1 && outputWorkgroupSize(K) <= device.limits.maxComputeInvocationsPerWorkgroup;
}

/** At least 64 invocations (two warps: the forward's sums over C run in WG / K parts), and one per class. */
function outputWorkgroupSize(K: number): number {
  return Math.max(64, 2 ** Math.ceil(Math.log2(K)));
}

/**
 * The output layer, its loss and the gradient into the previous layer in one dispatch
 * (output_layer.wgsl), for rows b < B of h (B, C) and the layer's block wb = [W; b]
 * (C + 1, K): out = z (or actOut(z) for the quadratic cost), dZ, rowStats[step·B + b] =
 * (loss_b, correct_b), and dH = (dZ·Wᵀ) ⊙ actPrev'(h), or no dH when `dH` is null (the
 * layer's input is the image batch), with the previous layer's dropout mask when `dropout`
 * is given. Reads wb before a fused SGD step later in the step changes it.
 */
export async function outputLayer(
  k: KernelCache, out: GPUBuffer | Slice, dZ: GPUBuffer | Slice, dH: GPUBuffer | Slice | null, rowStats: GPUBuffer | Slice,
  h: GPUBuffer | Slice, wb: GPUBuffer | Slice, labels: GPUBuffer | Slice,
  B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation, step: GPUBindGroup, label = 'outputLayer',
  { geometry = outputGeometry(B, C, dH !== null), dropout }: { geometry?: OutputGeometry; dropout?: OutputDropout } = {},
): Promise<Dispatch> {
  if (dropout && !dH) throw new Error(`${label}: dropout applies to dH, and this output layer computes none.`);
  if (!outputLayerFits(k.device, K)) {
    throw new Error(`${label}: output_layer takes 1 to ${k.device.limits.maxComputeInvocationsPerWorkgroup} classes (maxComputeInvocationsPerWorkgroup); got K = ${K} (outputLayerFits).`);
  }
  const WG = outputWorkgroupSize(K);
  const CS = ceilDiv(C, geometry.S);
  const S = ceilDiv(C, CS); // no empty slices
  const G = Math.min(geometry.G, B, MAX_WORKGROUPS_PER_DIM);
  const drop = dropout ? [dropout.seed >>> 0, dropout.layer, keepThreshold(dropout.p), f32Bits(1 / (1 - dropout.p))] : [0, 0, 0, 0];
  const dims = uniformBuffer(k.device, `${label} dims`, [B, C, K, S, CS, G, ...drop, 0, 0]);
  const overrides = {
    WG, LOSS: loss === 'cross-entropy' ? 0 : 1, ACT_OUT: ACTIVATION_CODE[actOut], ACT_PREV: ACTIVATION_CODE[actPrev], BACKWARD: dH !== null,
    DROPOUT: dropout !== undefined,
  };
  // Bindings the kernel does not use still need buffers: a writable one without dH, an
  // optimiser-sized uniform without dropout.
  const unused = [
    ...(dH ? [] : [k.device.createBuffer({ label: `${label} no dH`, size: 16, usage: GPUBufferUsage.STORAGE })]),
    ...(dropout ? [] : [k.device.createBuffer({ label: `${label} no dropout`, size: OPTIMIZER_BYTES, usage: GPUBufferUsage.UNIFORM })]),
  ];
  const dHBuffer = dH ?? unused[0];
  const opt = dropout?.opt ?? unused[unused.length - 1];
  const d = await buildOwning(k, 'output_layer', overrides, label, [h, wb, labels, out, dZ, dHBuffer, rowStats, opt], dims, [S, G, 1], step);
  d.owned.push(...unused);
  return d;
}

// ---- data, update, evaluation ---------------------------------------------------------------

const FLAT_WG = 256;

/**
 * x (B, P) = images[indices[start + b]] / 255, y (B) = labels[…]; start comes from the step.
 * With a ByteInput x the pixels stay bytes (gather_batch_u8), for matmul_vec4_u8 to read.
 */
export function gatherBatch(
  k: KernelCache, x: GPUBuffer | Slice | ByteInput, y: GPUBuffer | Slice, images: GPUBuffer, labels: GPUBuffer, indices: GPUBuffer,
  B: number, P: number, step: GPUBindGroup, label = 'gatherBatch',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, [B, P, 0, 0]);
  if (isByteInput(x) && P % 16 !== 0) throw new Error(`${label}: byte batches need images of a multiple of 16 pixels; P = ${P}.`);
  // Four pixels per invocation when images are whole u32 words.
  const [kernel, n] = isByteInput(x)
    ? (['gather_batch_u8', (B * P) / 16] as const)
    : P % 4 === 0
      ? (['gather_batch_vec4', (B * P) / 4] as const)
      : (['gather_batch', B * P] as const);
  const xBuffer = isByteInput(x) ? x.bytes : x;
  return buildOwning(k, kernel, { WG: FLAT_WG }, label, [images, labels, indices, xBuffer, y], dims, flatDispatch(n, FLAT_WG), step);
}

export const MAX_LAYERS = 16;

/** The optimiser uniform of shaders/lib/optimizer.wgsl: lr, l2, momentum, layer segments. */
/** Bytes of the optimiser uniform: lr, l2, momentum, layer count, segments, Adam's β1, β2, ε, t0. */
export const OPTIMIZER_BYTES = 16 + 16 * MAX_LAYERS + 16;

/** Adam's fields of the optimiser uniform: β1, β2, ε and the steps taken before this epoch. */
export interface AdamWords {
  beta1: number;
  beta2: number;
  eps: number;
  t0: number;
}

export function optimizerWords(layout: ParamLayout, lr: number, l2: number, momentum: number, adam?: AdamWords): ArrayBuffer {
  if (layout.layers.length > MAX_LAYERS) {
    throw new Error(`wgtrain supports at most ${MAX_LAYERS} layers with parameters; this model has ${layout.layers.length}.`);
  }
  const data = new ArrayBuffer(OPTIMIZER_BYTES);
  const f32 = new Float32Array(data);
  const u32 = new Uint32Array(data);
  f32[0] = lr;
  f32[1] = l2;
  f32[2] = momentum;
  u32[3] = layout.layers.length;
  layout.layers.forEach((l: LayerBlock, i) => u32.set([l.offset, l.offset + l.weights, l.offset + l.size, 0], 4 + 4 * i));
  const a = 4 + 4 * MAX_LAYERS;
  if (adam) {
    f32.set([adam.beta1, adam.beta2, adam.eps], a);
    u32[a + 3] = adam.t0;
  }
  return data;
}

export function optimizerBuffer(device: GPUDevice, layout: ParamLayout, lr: number, l2: number, momentum: number): GPUBuffer {
  // STORAGE too: matmulBackwardWeightUpdate reads lr and l2 from it as a storage buffer.
  const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const buffer = device.createBuffer({ label: 'optimizer', size: OPTIMIZER_BYTES, usage });
  device.queue.writeBuffer(buffer, 0, optimizerWords(layout, lr, l2, momentum));
  return buffer;
}

/** The update kernels take four floats per invocation; layouts are whole 64-float blocks. */
function vec4Count(n: number): number {
  if (n % 4 !== 0) throw new Error(`Parameter buffers hold whole 64-float blocks; got ${n} floats.`);
  return n / 4;
}

/** params −= lr·(grads + l2·W) over the whole buffer (weights decay, biases do not). */
export function sgdUpdate(k: KernelCache, params: GPUBuffer, grads: GPUBuffer, opt: GPUBuffer, n: number): Promise<Dispatch> {
  return build(k, 'sgd_update', { WG: FLAT_WG }, 'sgdUpdate', [grads, params], opt, flatDispatch(vec4Count(n), FLAT_WG));
}

export function sgdMomentumUpdate(
  k: KernelCache, params: GPUBuffer, velocity: GPUBuffer, grads: GPUBuffer, opt: GPUBuffer, n: number,
): Promise<Dispatch> {
  const dispatch = flatDispatch(vec4Count(n), FLAT_WG);
  return build(k, 'sgd_momentum_update', { WG: FLAT_WG }, 'sgdMomentumUpdate', [grads, params, velocity], opt, dispatch);
}

/** One Adam step over the whole parameter buffer (adam_update.wgsl); t comes from opt.t0 and the step. */
export function adamUpdate(
  k: KernelCache, params: GPUBuffer, m: GPUBuffer | Slice, v: GPUBuffer | Slice, grads: GPUBuffer, opt: GPUBuffer, n: number, step: GPUBindGroup,
): Promise<Dispatch> {
  if (n % 4 !== 0) throw new Error(`Parameter buffers hold whole 64-float blocks; got ${n} floats.`);
  return build(k, 'adam_update', { WG: FLAT_WG }, 'adamUpdate', [grads, params, m, v], opt, flatDispatch(n / 4, FLAT_WG), step);
}

/**
 * Inverted dropout on n floats of x in place (dropout.wgsl), the mask drawn from (seed,
 * layer, the step's number t = opt.t0 + step.index + 1): the forward pass on a hidden
 * layer's activations and the backward pass on their gradient use the same arguments.
 */
export function dropout(
  k: KernelCache, x: GPUBuffer | Slice, n: number, seed: number, layer: number, p: number, opt: GPUBuffer, step: GPUBindGroup, label = 'dropout',
): Promise<Dispatch> {
  const scale = new Uint32Array(new Float32Array([1 / (1 - p)]).buffer)[0];
  const dims = uniformBuffer(k.device, `${label} dims`, [n, seed >>> 0, layer, keepThreshold(p), scale, 0, 0, 0]);
  return buildOwning(k, 'dropout', { WG: FLAT_WG }, label, [x, opt], dims, flatDispatch(n, FLAT_WG), step);
}

const EVAL_WG = 64;

/** preds[offset + b] = argmax out_b; rowLoss[offset + b] = the loss of row b. */
export function evaluateRows(
  k: KernelCache, preds: GPUBuffer, rowLoss: GPUBuffer, out: GPUBuffer | Slice, labels: GPUBuffer | Slice,
  B: number, K: number, offset: number, loss: Loss, label = 'evaluateRows',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, [B, K, offset, 0]);
  const overrides = { WG: EVAL_WG, LOSS: loss === 'cross-entropy' ? 0 : 1 };
  return buildOwning(k, 'evaluate', overrides, label, [out, labels, preds, rowLoss], dims, [ceilDiv(B, EVAL_WG), 1, 1]);
}
