/**
 * GPU operations with the CPU reference's names and argument order (src/cpu/), each built
 * once into a Dispatch: pipeline, bind groups, a uniform with its sizes, and workgroup
 * counts. The scheduler encodes Dispatches many times; nothing here runs per mini-batch.
 */
import type { LayerBlock, ParamLayout } from '../model/param-block.ts';
import { ACTIVATION_CODE, type Activation, type Loss } from '../model/spec.ts';
import { storageBuffer } from './buffers.ts';
import { ceilDiv, flatDispatch, MAX_WORKGROUPS_PER_DIM } from './dispatch.ts';
import { adapterName, type GpuContext } from './device.ts';
import { STEP_SLOT_BYTES, type KernelCache, type KernelName, type Overrides } from './kernels.ts';
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
  /** A second phase encoded right after this one (a split-K matmul's reduce), destroyed with it. */
  next?: Dispatch;
}

export function encodeDispatch(pass: GPUComputePassEncoder, d: Dispatch, stepOffset = 0): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  if (d.step) pass.setBindGroup(1, d.step, [stepOffset]);
  pass.dispatchWorkgroups(...d.workgroups);
  if (d.next) encodeDispatch(pass, d.next, stepOffset);
}

function toSlice(s: GPUBuffer | Slice): Slice {
  return 'mapState' in s ? { buffer: s } : s;
}

/** Invocations per workgroup of the kernels dispatched flat over their elements (flatDispatch). */
const FLAT_WG = 256;

/** The bits of v as an f32, for a uniform of u32 words. */
const f32Bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

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
  if (d.next) destroyDispatch(d.next);
}

// ---- dense layer -------------------------------------------------------------------

/**
 * The matmul kernels: naive (one output per invocation), blocked (4 × 4 register blocks),
 * vec4 (20 × 8 blocks of vec4 loads, for CPU-backed adapters), tiled (64 × 64 output tiles
 * staged through workgroup memory, for GPUs) and tiled32 (the same kernel with 32 × 32
 * tiles: four times the workgroups, for small outputs on GPUs with many compute units).
 */
export const MATMUL_VARIANTS = ['naive', 'blocked', 'vec4', 'tiled', 'tiled32'] as const;
/** Variants that need a device feature, and the feature: matmul_subgroup uses WGSL's subgroup operations. */
export const FEATURE_MATMUL_VARIANTS = { subgroup: 'subgroups' } as const;
/** Every variant `--matmul` names. */
export const ALL_MATMUL_VARIANTS = [...MATMUL_VARIANTS, ...(Object.keys(FEATURE_MATMUL_VARIANTS) as (keyof typeof FEATURE_MATMUL_VARIANTS)[])];
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number] | keyof typeof FEATURE_MATMUL_VARIANTS;
/** A variant, or 'auto': the autotuner's fastest for each shape on this adapter (src/gpu/autotune.ts). */
export type MatmulChoice = MatmulVariant | 'auto';

/**
 * What the autotuner picks per shape: a variant, and how many slices of k it sums in
 * parallel (split-K; 1: none). Written `tiled/k8` in its cache and tables.
 */
export interface MatmulPlan {
  variant: MatmulVariant;
  split: number;
}

export function planName(p: MatmulPlan): string {
  return p.split > 1 ? `${p.variant}/k${p.split}` : p.variant;
}

export function parsePlan(name: string): MatmulPlan | null {
  const m = /^([a-z0-9]+)(?:\/k(\d+))?$/.exec(name);
  if (!m || !(ALL_MATMUL_VARIANTS as readonly string[]).includes(m[1])) return null;
  return { variant: m[1] as MatmulVariant, split: m[2] ? Number(m[2]) : 1 };
}

/** Every matmul variant steps through k in multiples of 16 or less: slices start on one. */
const K_SLICE_ALIGN = 16;

/**
 * Slices of k for a split-K matmul asking for `split`: each kSlice long (a multiple of 16,
 * the last shorter), slices ≤ split of them (1: not split).
 */
export function splitK(K: number, split: number): { kSlice: number; slices: number } {
  if (split <= 1) return { kSlice: K, slices: 1 };
  const kSlice = ceilDiv(ceilDiv(K, split), K_SLICE_ALIGN) * K_SLICE_ALIGN;
  return { kSlice, slices: ceilDiv(K, kSlice) };
}

/**
 * Workgroup shape and outputs per invocation of each variant: r per side, or r columns and
 * rm rows (rmTransA rows with TRANS_A); with sharedBlock, per workgroup (its invocations
 * split K); shader: its kernel when not matmul_<variant>.
 */
const VARIANT_GEOMETRY: Record<
  MatmulVariant | 'vec4_u8',
  { wgX: number; wgY: number; r: number; rm?: number; rmTransA?: number; sharedBlock?: true; shader?: KernelName }
> = {
  naive: { wgX: 16, wgY: 16, r: 1 },
  blocked: { wgX: 8, wgY: 8, r: 4 },
  vec4: { wgX: 8, wgY: 1, r: 8, rm: 20 }, // 20 rows × 8 columns per invocation
  tiled: { wgX: 16, wgY: 16, r: 4 },
  tiled32: { wgX: 8, wgY: 8, r: 4, shader: 'matmul_tiled' },
  vec4_u8: { wgX: 8, wgY: 1, r: 8, rm: 20, rmTransA: 32 }, // vec4 reading a byte A
  subgroup: { wgX: 64, wgY: 1, r: 8, rm: 4, sharedBlock: true }, // 64 invocations split K for 4 × 8 outputs
};

/** Whether this device runs a variant (a feature variant needs its feature). */
export function variantRuns(ctx: GpuContext, variant: MatmulVariant): boolean {
  return variant !== 'subgroup' || ctx.hasSubgroups;
}

/** Throws, saying what to use instead, when this device cannot run the variant. */
export function checkVariantRuns(ctx: GpuContext, variant: MatmulChoice): void {
  if (variant === 'auto' || variantRuns(ctx, variant)) return;
  throw new Error(
    `The ${variant} matmul variant needs the WebGPU feature \`${FEATURE_MATMUL_VARIANTS[variant as keyof typeof FEATURE_MATMUL_VARIANTS]}\`, which this adapter lacks ` +
      `(${adapterName(ctx.adapter)}): use --matmul auto or one of ${MATMUL_VARIANTS.join(', ')}.`,
  );
}

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
  /** Split-K: sum k in this many slices in parallel, then add them (splitk_reduce). Default 1. */
  split?: number;
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

/** Workgroups of one slice of a variant's dispatch for a problem (the kernel headers' Dispatch lines). */
function gridOf(kernel: MatmulVariant | 'vec4_u8', p: MatmulProblem): [number, number] {
  const g = VARIANT_GEOMETRY[kernel];
  const rows = (p.transA ? g.rmTransA : undefined) ?? g.rm ?? g.r;
  return g.sharedBlock ? [ceilDiv(p.N, g.r), ceilDiv(p.M, rows)] : [ceilDiv(p.N, g.wgX * g.r), ceilDiv(p.M, g.wgY * rows)];
}

/**
 * Whether matmul_subgroup can take a problem: its workgroups of 4 rows (the y dimension)
 * within the device's limit (65,535: a convolution's im2col rows at batch 1000 exceed it).
 */
function subgroupFits(ctx: GpuContext, p: MatmulProblem): boolean {
  return ceilDiv(p.M, VARIANT_GEOMETRY.subgroup.rm!) <= ctx.device.limits.maxComputeWorkgroupsPerDimension;
}

/** Split-K candidates stop where a dispatch has this many workgroups: enough for any GPU. */
const SPLIT_MAX_WORKGROUPS = 2048;
/** …or where a slice would sum fewer than this many k. */
const SPLIT_MIN_K = 32;

/**
 * The plans the autotuner measures for a problem: each variant that fits (vec4 only on
 * aligned shapes), unsplit, and (not naive) split into 2, 4, 8 … slices of k while the
 * dispatch stays under SPLIT_MAX_WORKGROUPS and slices sum at least SPLIT_MIN_K each. A
 * small output with a long k (a layer's 100 × 300 forward over K = 784) gets slices to
 * fill a GPU's compute units; a large one (a convolution's forward) gets none.
 */
export function candidatePlans(ctx: GpuContext, p: MatmulProblem): MatmulPlan[] {
  const plans: MatmulPlan[] = [];
  for (const variant of ALL_MATMUL_VARIANTS) {
    if (variant === 'vec4' && !vec4Fits(p)) continue;
    if (variant === 'subgroup' && !(variantRuns(ctx, variant) && subgroupFits(ctx, p))) continue;
    plans.push({ variant, split: 1 });
    if (variant === 'naive') continue;
    const [x, y] = gridOf(variant, p);
    let slices = 1;
    for (let split = 2; x * y * split <= SPLIT_MAX_WORKGROUPS && p.K / split >= SPLIT_MIN_K; split *= 2) {
      if (splitK(p.K, split).slices > slices) plans.push({ variant, split });
      slices = splitK(p.K, split).slices;
    }
  }
  return plans;
}

/**
 * The autotuner's plan for a problem (k.tuner must be set): the fastest candidate on this
 * adapter, measured on scratch buffers the first time a shape is seen, then cached.
 */
export async function tunedPlan(k: KernelCache, p: MatmulProblem): Promise<MatmulPlan> {
  const tuner = k.tuner;
  if (!tuner) throw new Error("The 'auto' matmul variant needs a tuner on the kernel cache (createTuner in src/gpu/autotune.ts).");
  const names = candidatePlans(k.ctx, p).map(planName);
  // Splits of one variant are measured in increasing order and stop at the first that is
  // no faster than the one before: past it, more slices only add partial sums to reduce.
  const previous = new Map<MatmulVariant, number>();
  const winner = await tuner.choose(problemKey(p, false), names, async (name, budgetMs, giveUpMs) => {
    const plan = parsePlan(name)!;
    const before = previous.get(plan.variant);
    if (plan.split > 1 && before === Infinity) return Infinity;
    const ms = await timeOnScratch(k, p, plan, false, budgetMs, giveUpMs, false);
    if (plan.split === 1 && Number.isFinite(ms)) previous.set(plan.variant, ms);
    if (plan.split > 1) previous.set(plan.variant, before !== undefined && ms >= before ? Infinity : ms);
    return ms;
  });
  return parsePlan(winner)!;
}

/** Times one plan (with a byte input: matmul_vec4_u8) on scratch operands of the problem's shape. */
async function timeOnScratch(
  k: KernelCache, p: MatmulProblem, plan: MatmulPlan, bytes: boolean, budgetMs: number, giveUpMs: number, selects?: boolean,
): Promise<number> {
  const ops = scratchOperands(k.device, p, bytes);
  const label = `tune ${bytes ? 'vec4_u8' : planName(plan)}`;
  const d = await matmulPlanned(k, plan, label, p, bytes ? { bytes: ops.a } : ops.a, ops.b, ops.aux, ops.out, selects);
  try {
    return await timeCandidate(k, d, budgetMs, giveUpMs);
  } finally {
    destroyDispatch(d);
    for (const b of Object.values(ops)) b.destroy();
  }
}

/**
 * Whether layer 1 should read its input as bytes under 'auto': it fits, and matmul_vec4_u8
 * beats the fastest f32 plan on the layer's forward shape (measured, then cached).
 */
export async function tunedByteInput(k: KernelCache, B: number, C: number, OC: number): Promise<boolean> {
  if (!byteInputFits('vec4', B, C, OC)) return false;
  const p = forwardProblem(B, C, OC, 'identity');
  const f32 = await tunedPlan(k, p);
  const key = problemKey(p, true);
  const winner = await k.tuner!.choose(key, ['f32', 'u8'] as ('f32' | 'u8')[], (input, budgetMs, giveUpMs) =>
    timeOnScratch(k, p, input === 'u8' ? { variant: 'vec4', split: f32.split } : f32, input === 'u8', budgetMs, giveUpMs, false),
  );
  return winner === 'u8';
}

/**
 * matmul_vec4's ones row (the weight gradient's bias row) as a branch or as selects
 * (SELECTS): an adapter that runs both sides of a branch its compiler cannot prove
 * uniform pays for the branch, one that skips the loads it guards pays for selects.
 * Measured, not guessed from the adapter's name: on SwiftShader selects made layer 2's
 * weight gradient 1.7× faster, on llvmpipe 30% slower. Without a tuner: the branch.
 */
/** The tuner's cache key for the form of matmul_vec4's ones row on a problem. */
export function onesRowKey(p: MatmulProblem, plan: MatmulPlan): string {
  return `${problemKey(p, false)} ${planName(plan)} ones row`;
}

async function tunedSelects(k: KernelCache, p: MatmulProblem, plan: MatmulPlan): Promise<boolean> {
  if (!k.tuner || !p.transA || p.mode < MODE.backwardWeight) return false;
  const key = onesRowKey(p, plan);
  const winner = await k.tuner.choose(key, ['branch', 'selects'] as ('branch' | 'selects')[], (form, budgetMs, giveUpMs) =>
    timeOnScratch(k, p, plan, false, budgetMs, giveUpMs, form === 'selects'),
  );
  return winner === 'selects';
}

async function matmul(
  k: KernelCache, requested: MatmulChoice, label: string, p: MatmulProblem,
  a: Operand, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice,
): Promise<Dispatch> {
  checkVariantRuns(k.ctx, requested);
  const plan: MatmulPlan =
    requested !== 'auto' ? { variant: requested, split: p.split ?? 1 }
    : isByteInput(a) ? { variant: 'vec4', split: (await tunedPlan(k, p)).split }
    : await tunedPlan(k, p);
  return matmulPlanned(k, plan, label, p, a, b, aux, out);
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Builds one matmul: the plan's kernel over all of k, or (split > 1) over slices of k into
 * a partial-sum buffer of its own, followed by splitk_reduce (Dispatch.next), which adds
 * the slices and applies the epilogue. `selects`: matmul_vec4's SELECTS (default: tuned).
 */
async function matmulPlanned(
  k: KernelCache, plan: MatmulPlan, label: string, p: MatmulProblem,
  a: Operand, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice, selects?: boolean,
): Promise<Dispatch> {
  // vec4 needs aligned shapes; the register-blocked kernel takes the rest. subgroup's rows
  // past the workgroup limit go to tiled.
  const variant =
    plan.variant === 'vec4' && !vec4Fits(p) ? 'blocked' : plan.variant === 'subgroup' && !subgroupFits(k.ctx, p) ? 'tiled' : plan.variant;
  if (isByteInput(a) && (plan.variant !== 'vec4' || !u8Fits(p))) {
    throw new Error(`${label}: a byte input needs the vec4 variant and shapes that fit it (byteInputFits); got ${plan.variant}.`);
  }
  const kernel = isByteInput(a) ? 'vec4_u8' : variant;
  const { kSlice, slices } = splitK(p.K, plan.split);
  label = `${label} [${kernel}${slices > 1 ? `, k in ${slices} slices` : ''}]`;
  const g = VARIANT_GEOMETRY[kernel];
  const shader = g.shader ?? (`matmul_${kernel}` as KernelName);
  const overrides: Overrides = { WG_X: g.wgX, WG_Y: g.wgY, TRANS_A: p.transA, TRANS_B: p.transB, MODE: p.mode, ACT: ACTIVATION_CODE[p.act] };
  if (kernel === 'vec4') overrides.SELECTS = selects ?? (await tunedSelects(k, p, { variant, split: plan.split }));
  if (overrides.SELECTS) label = label.replace(/\]$/, ', ones row by selects]');
  const [x, y] = gridOf(kernel, p);
  const aBuffer = isByteInput(a) ? a.bytes : a;
  if (slices === 1) {
    const dims = uniformBuffer(k.device, `${label} dims`, [p.M, p.N, p.K, p.lda, p.ldb, p.K, 0, 0]);
    return buildOwning(k, shader, overrides, label, [aBuffer, b, aux, out], dims, [x, y, 1]);
  }
  const stride = align64(p.M * p.N);
  const partial = storageBuffer(k.device, `${label} partial sums`, slices * stride * 4);
  const dims = uniformBuffer(k.device, `${label} dims`, [p.M, p.N, p.K, p.lda, p.ldb, kSlice, stride, 0]);
  const first = await buildOwning(k, shader, { ...overrides, SPLIT: true }, label, [aBuffer, b, aux, partial], dims, [x, y, slices]);
  first.owned.push(partial);
  // What the epilogue reads: the bias row of B (MODE 0), act's input (MODE 1), the optimiser (MODE 3).
  const c = p.mode === MODE.forward ? b : aux;
  first.next = await splitKReduce(k, out, partial, c, slices, stride, p.M, p.N, p.mode, p.act, p.K * p.ldb, `${label} reduce`);
  return first;
}

/**
 * out (M, N) = the role's epilogue of Σ_s partial[s·stride + i] (splitk_reduce.wgsl; CPU
 * twin src/cpu/matmul.ts splitKReduce): c is B's storage with its bias row at biasOffset
 * floats (mode 0), the activations (1), or the optimiser (3).
 */
export function splitKReduce(
  k: KernelCache, out: GPUBuffer | Slice, partial: GPUBuffer | Slice, c: GPUBuffer | Slice, slices: number, stride: number,
  M: number, N: number, mode: number, act: Activation, biasOffset = 0, label = 'splitKReduce',
): Promise<Dispatch> {
  const dims = uniformBuffer(k.device, `${label} dims`, [slices, M * N, N, stride, (M - 1) * N, biasOffset, 0, 0]);
  const overrides = { WG: FLAT_WG, MODE: mode, ACT: ACTIVATION_CODE[act] };
  return buildOwning(k, 'splitk_reduce', overrides, label, [partial, c, out], dims, flatDispatch(M * N, FLAT_WG));
}

function forwardProblem(B: number, C: number, OC: number, act: Activation): MatmulProblem {
  return { M: B, N: OC, K: C, lda: C, ldb: OC, transA: false, transB: false, mode: MODE.forward, act };
}

export function backwardWeightProblem(B: number, C: number, OC: number, mode: number = MODE.backwardWeight): MatmulProblem {
  return { M: C + 1, N: OC, K: B, lda: C, ldb: OC, transA: true, transB: false, mode, act: 'identity' };
}

/** out (B, OC) = act(x (B, C) · W + b); wb is the layer's block [W; b]. */
export function matmulForward(
  k: KernelCache, variant: MatmulChoice, out: GPUBuffer | Slice, x: Operand, wb: GPUBuffer | Slice,
  B: number, C: number, OC: number, act: Activation, label = 'matmulForward', split = 1,
): Promise<Dispatch> {
  return matmul(k, variant, label, { ...forwardProblem(B, C, OC, act), split }, x, wb, wb, out);
}

/** dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ actPrev'(aPrev). */
export function matmulBackwardInput(
  k: KernelCache, variant: MatmulChoice, dX: GPUBuffer | Slice, dY: GPUBuffer | Slice, wb: GPUBuffer | Slice,
  aPrev: GPUBuffer | Slice, B: number, C: number, OC: number, actPrev: Activation, label = 'matmulBackwardInput', split = 1,
): Promise<Dispatch> {
  const p = { M: B, N: C, K: OC, lda: OC, ldb: OC, transA: false, transB: true, mode: MODE.backwardInput, act: actPrev, split };
  return matmul(k, variant, label, p, dY, wb, aPrev, dX);
}

/** dWb (C + 1, OC) = [xᵀ; 1] · dY: dW and, as its last row, dB. */
export function matmulBackwardWeight(
  k: KernelCache, variant: MatmulChoice, dWb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice,
  B: number, C: number, OC: number, label = 'matmulBackwardWeight', split = 1,
): Promise<Dispatch> {
  return matmul(k, variant, label, { ...backwardWeightProblem(B, C, OC), split }, x, dY, dY, dWb);
}

/**
 * The weight gradient applied in place as an SGD step: wb (C + 1, OC) −= lr·([xᵀ; 1] · dY
 * + l2·W), with lr and l2 read from the optimiser buffer `opt` (optimizerBuffer), biases
 * not decayed. Saves the gradient's round trip through memory and the update's dispatch;
 * wb must not be read by anything later in the same step before this runs.
 */
export function matmulBackwardWeightUpdate(
  k: KernelCache, variant: MatmulChoice, wb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice, opt: GPUBuffer,
  B: number, C: number, OC: number, label = 'matmulBackwardWeightUpdate', split = 1,
): Promise<Dispatch> {
  return matmul(k, variant, label, { ...backwardWeightProblem(B, C, OC, MODE.backwardWeightUpdate), split }, x, dY, opt, wb);
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

/**
 * Whether the trainer should run an output layer as output_layer (true) or as the forward
 * matmul, the loss kernel and the backward-input matmul (false): both timed on scratch
 * buffers of the layer's shape, the trio with the trainer's matmul choice, and the winner
 * cached by the tuner. Measured, because the answer differs by adapter: on llvmpipe the trio
 * of vec4 kernels measured 2–12× faster; a GPU pays ~3 µs per dispatch and little for the
 * fused kernel's recomputed logits. Without a tuner: the trio.
 */
export async function tunedOutputFusion(
  k: KernelCache, variant: MatmulChoice, B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation,
): Promise<boolean> {
  const tuner = k.tuner;
  if (!tuner || !outputLayerFits(k.device, K)) return false;
  const key = `output layer ${B}x${C}x${K} ${loss} ${actOut} ${actPrev} matmul ${variant}`;
  const winner = await tuner.choose(key, ['unfused', 'fused'] as ('unfused' | 'fused')[], async (form, budgetMs, giveUpMs) => {
    const d = k.device;
    const buf = (label: string, floats: number) => storageBuffer(d, `tune output layer ${label}`, Math.max(16, floats * 4));
    const [h, wb, labels, out, dZ, dH, stats] = [buf('h', B * C), buf('wb', (C + 1) * K), buf('labels', B), buf('out', B * K), buf('dZ', B * K), buf('dH', B * C), buf('stats', 2 * B)];
    const slot = d.createBuffer({ label: 'tune output layer step', size: STEP_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM });
    const step = k.stepBindGroup(slot, 'tune output layer step');
    const dispatches =
      form === 'fused'
        ? [await outputLayer(k, out, dZ, dH, stats, h, wb, labels, B, C, K, loss, actOut, actPrev, step, 'tune output_layer')]
        : [
            await matmulForward(k, variant, out, h, wb, B, C, K, loss === 'cross-entropy' ? 'identity' : actOut, 'tune output forward'),
            loss === 'cross-entropy'
              ? await softmaxCrossEntropy(k, dZ, out, labels, stats, B, K, step, 'tune output loss')
              : await quadraticCost(k, dZ, out, labels, stats, B, K, actOut, step, 'tune output loss'),
            await matmulBackwardInput(k, variant, dH, dZ, wb, h, B, C, K, actPrev, 'tune output backward input'),
          ];
    try {
      return await timeCandidate(k, dispatches, budgetMs, giveUpMs);
    } finally {
      dispatches.forEach(destroyDispatch);
      for (const b of [h, wb, labels, out, dZ, dH, stats, slot]) b.destroy();
    }
  });
  return winner === 'fused';
}

// ---- data, update, evaluation ---------------------------------------------------------------

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
  const scale = f32Bits(1 / (1 - p));
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
