/**
 * The matmul variants and plans: which kernels exist, what shapes each can run, how a
 * problem splits over k and which plans the autotuner measures. Plain maths over sizes, no
 * GPU objects: the CLI reads variant names from here.
 */
import type { Activation, Loss } from '../model/spec.ts';
import { MODE } from './codes.ts';
import { ceilDiv } from './dispatch.ts';
import { adapterName, type GpuContext } from './device.ts';
import type { KernelName } from './kernels.ts';

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
/** A variant, or 'auto': the planner's choice for each shape on this adapter (src/gpu/autotune.ts measures it). */
export type MatmulChoice = MatmulVariant | 'auto';

/**
 * The decisions the matmul and output-layer ops leave to a planner, because the answer
 * differs by adapter: the autotuner (src/gpu/autotune.ts) measures each on the adapter in
 * use, and whoever creates it hands it to the ops in a MatmulPolicy.
 */
export interface MatmulPlanner {
  /** The plan (variant and split of k) for a problem under 'auto'. */
  plan(p: MatmulProblem): Promise<MatmulPlan>;
  /** Whether layer 1 reads its (B, C) input as bytes (matmul_vec4_u8) under 'auto'. */
  byteInput(B: number, C: number, OC: number): Promise<boolean>;
  /** matmul_vec4's ones row (a weight-gradient problem's bias row) as selects (true) or a branch. */
  onesRowSelects(p: MatmulProblem, plan: MatmulPlan): Promise<boolean>;
  /** Whether an output layer runs as output_layer (true) or as forward matmul, loss and backward-input matmul. */
  outputFusion(variant: MatmulChoice, B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation): Promise<boolean>;
}

/**
 * What the matmul ops are given: the variant, and the planner that decides 'auto' and the
 * measured forms. A bare variant is a policy without a planner: 'auto' is refused, matmul_vec4's
 * ones row is a branch and output layers run unfused.
 */
export interface MatmulPolicy {
  variant: MatmulChoice;
  planner?: MatmulPlanner;
}

export function policyOf(m: MatmulChoice | MatmulPolicy): MatmulPolicy {
  return typeof m === 'string' ? { variant: m } : m;
}

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
 * The kernels a variant runs as: its own, or vec4's forms for a byte A (matmul_vec4_u8)
 * and for B and out of any width (matmul_vec4_edge).
 */
export type MatmulKernel = MatmulVariant | 'vec4_u8' | 'vec4_edge' | 'vec4_rows' | 'vec4_edge_rows';

/**
 * Workgroup shape and outputs per invocation of each variant: r per side, or r columns and
 * rm rows (rmTransA rows with TRANS_A); with sharedBlock, per workgroup (its invocations
 * split K); shader: its kernel when not matmul_<variant>.
 */
export const VARIANT_GEOMETRY: Record<
  MatmulKernel,
  { wgX: number; wgY: number; r: number; rm?: number; rmTransA?: number; sharedBlock?: true; rowsInLanes?: true; shader?: KernelName }
> = {
  naive: { wgX: 16, wgY: 16, r: 1 },
  blocked: { wgX: 8, wgY: 8, r: 4 },
  vec4: { wgX: 8, wgY: 1, r: 8, rm: 20 }, // 20 rows × 8 columns per invocation
  tiled: { wgX: 16, wgY: 16, r: 4 },
  tiled32: { wgX: 8, wgY: 8, r: 4, shader: 'matmul_tiled' },
  vec4_u8: { wgX: 8, wgY: 1, r: 8, rm: 20, rmTransA: 32 }, // vec4 reading a byte A
  vec4_edge: { wgX: 8, wgY: 1, r: 8, rm: 20 }, // vec4 with float loads of B, any N
  vec4_rows: { wgX: 8, wgY: 1, r: 8, rm: 20, rowsInLanes: true, shader: 'matmul_vec4' }, // vec4, a workgroup's invocations along M
  vec4_edge_rows: { wgX: 8, wgY: 1, r: 8, rm: 20, rowsInLanes: true, shader: 'matmul_vec4_edge' }, // vec4_edge, the same
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

/** Rows of A in storage: op(A) carries an extra row of ones in the weight-gradient modes. */
export const storedRowsA = (p: MatmulProblem) => (p.mode >= MODE.backwardWeight ? p.M - 1 : p.M);

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
function vec4Fits(p: MatmulProblem): boolean {
  return (
    (p.K % 4 === 0 || (p.transA && !p.transB)) && p.lda % 4 === 0 && p.ldb % 4 === 0 &&
    (!p.transA || storedRowsA(p) % 4 === 0) && p.N % 4 === 0
  );
}

/**
 * Whether matmul_vec4_edge can run this problem (its header lists the constraints): a
 * forward product or a weight gradient (Aᵀ·B) whose width is not a multiple of 4 (a
 * convolution's 6 output channels) with A readable as vec4.
 */
function vec4EdgeFits(p: MatmulProblem): boolean {
  if (p.transB || p.lda % 4 !== 0) return false;
  return p.transA ? storedRowsA(p) % 4 === 0 : p.mode === MODE.forward && p.K % 4 === 0;
}

/** Output widths at most this narrow leave half or more of a workgroup of 8 invocations × 8 columns idle. */
const ROWS_IN_LANES_MAX_N = 32;
/** …and at least this many rows give even 8 threads workgroups of 8 × 20 rows to share. */
const ROWS_IN_LANES_MIN_M = 8 * 8 * 20;

/**
 * Whether matmul_vec4 runs a problem with its invocations along M (ROWS_IN_LANES): a narrow
 * product of many rows, as a convolution's forward (B·OH·OW rows, 16-32 output channels),
 * where lanes along N would sit idle past N. 1.1-1.6× faster on llvmpipe (matmul_vec4.wgsl).
 * A weight gradient (Aᵀ·B: M = the layer's inputs + 1, k its rows) takes it where its row
 * blocks of 20 fill more of the workgroup's 8 invocations than its column blocks of 8 do:
 * llvmpipe, ms per call with split-K, four interleaved rounds: LeNet-5's second convolution
 * (153 × 10,000 · 10,000 × 16) 5.6–6.7 → 2.4–2.7; cnn's second (401 × 19,600 · 19,600 × 32,
 * im2col stored) 30.2–33.5 → 27.8–28.5, without im2col (conv_gemm) 29.9–32.5 → 23.1–24.5;
 * fast's second (217 × 73,728 · 73,728 × 24, conv_gemm) 52.5–54.3 → 38.9–39.6; but a
 * 3-channel 3 × 3 convolution's (28 rows, 32 columns) 17.2–18.1 → 26.6–31.9: 2 row blocks
 * against 4 column blocks.
 */
function rowsInLanesFits(p: MatmulProblem): boolean {
  // (matmul_vec4_edge shares the body, so a narrow forward of any width takes it too.)
  if (p.N > ROWS_IN_LANES_MAX_N) return false;
  if (p.transA) return Math.min(8, ceilDiv(p.M, 20)) > Math.min(8, ceilDiv(p.N, 8));
  return p.M >= ROWS_IN_LANES_MIN_M;
}

/**
 * The kernel the vec4 variant runs a (float) problem with: matmul_vec4 (with its
 * invocations along M: vec4_rows), matmul_vec4_edge, or matmul_blocked.
 */
export function vec4Kernel(p: MatmulProblem): 'vec4' | 'vec4_rows' | 'vec4_edge' | 'vec4_edge_rows' | 'blocked' {
  if (vec4Fits(p)) return rowsInLanesFits(p) ? 'vec4_rows' : 'vec4';
  if (vec4EdgeFits(p)) return rowsInLanesFits(p) ? 'vec4_edge_rows' : 'vec4_edge';
  return 'blocked';
}

/**
 * Whether layer 1 can read its input as bytes with this variant: matmul_vec4 in both the
 * forward and the weight-gradient role for a (B, C) input and OC outputs.
 */
export function byteInputFits(variant: MatmulVariant, B: number, C: number, OC: number): boolean {
  return variant === 'vec4' && u8Fits(forwardProblem(B, C, OC, 'identity')) && u8Fits(backwardWeightProblem(B, C, OC));
}

/** Whether matmul_vec4_u8 can run this problem (its header lists the constraints). */
export function u8Fits(p: MatmulProblem): boolean {
  return (
    p.lda % 16 === 0 && p.ldb % 4 === 0 && (p.transA ? !p.transB && storedRowsA(p) % 16 === 0 : p.K % 16 === 0) &&
    p.N % 4 === 0
  );
}

/**
 * Workgroups of one slice of a variant's dispatch for a problem (the kernel headers' Dispatch
 * lines); `columnGroups`: NB of matmul_vec4 and conv_gemm (columnGroupsOf).
 */
export function gridOf(kernel: MatmulKernel, p: MatmulProblem, kLanes = 1, columnGroups = 1): [number, number] {
  const g = VARIANT_GEOMETRY[kernel];
  const rows = (p.transA ? g.rmTransA : undefined) ?? g.rm ?? g.r;
  const lanes = g.wgX / kLanes;
  if (g.rowsInLanes) return [ceilDiv(p.N, g.r * columnGroups), ceilDiv(p.M, lanes * rows)];
  return g.sharedBlock ? [ceilDiv(p.N, g.r), ceilDiv(p.M, rows)] : [ceilDiv(p.N, lanes * g.r), ceilDiv(p.M, g.wgY * rows)];
}

/** The most 8-column blocks one invocation of matmul_vec4 or conv_gemm takes (their accumulators are written out for 4). */
const MAX_COLUMN_GROUPS = 4;

/**
 * The fewest multiply-adds (M·N·K) a product takes NB for. Its kernels take 2–3× as long to
 * compile on llvmpipe, which compiles a pipeline at its first dispatch (fast conv 3's three
 * roles 1.4–2.6 s each with blocks of 8, 5.6–7.8 with 32 columns, on a slow 2-core machine),
 * and a network gets a pipeline per layer and role: small products (a test's, or a layer at
 * batch 10) save less per call than their compile costs.
 */
const COLUMN_GROUPS_MIN_WORK = 2 ** 25;

/**
 * NB of matmul_vec4 and conv_gemm (lib/matmul_vec4_lanes.wgsl): with their invocations along M
 * (vec4_rows: a convolution's 32 or fewer output channels, or a weight gradient's), each
 * invocation takes all N columns as one block of 20 rows × 8·NB, so each tile of A (of the
 * im2col matrix) is loaded once instead of once per 8 columns. The vec4 kernels are for
 * adapters on a CPU, which pay for loads (llvmpipe: about the same per float loaded, whatever
 * the address), not multiply-adds: fast conv 2's forward (73,728 × 216 · 216 × 24) as 20 × 24
 * blocks loads 176 floats per 4 steps of k where three 20 × 8 blocks loaded 336. Products of
 * fewer than COLUMN_GROUPS_MIN_WORK multiply-adds keep NB 1.
 */
export function columnGroupsOf(kernel: MatmulKernel, p: MatmulProblem): number {
  if (kernel !== 'vec4_rows' || p.M * p.N * p.K < COLUMN_GROUPS_MIN_WORK) return 1;
  return Math.min(MAX_COLUMN_GROUPS, ceilDiv(p.N, 8));
}

/** The kernels with K_LANES (lib/matmul_vec4_lanes.wgsl). */
const K_LANES_KERNELS: MatmulKernel[] = ['vec4', 'vec4_rows', 'vec4_edge', 'vec4_edge_rows'];

/**
 * K_LANES for a weight gradient (Aᵀ·B) split into `slices` slices of k: the workgroup's 8
 * lanes in K_LANES groups (a power of 2, at most the slices), each summing its own slice, its
 * blocks along the lanes (rows of 20 with ROWS_IN_LANES, else columns of 8) spread over each
 * group's lanes: the grouping that leaves the fewest lanes idle, the fewer groups on a tie, with
 * groups of fewer than 4 lanes only where all the blocks fit one workgroup. A first
 * convolution's gradient has one to three blocks (LeNet-5's 29 × 6 two row blocks: 4 groups;
 * fast's 13 × 24 three column blocks: 2), whose lanes otherwise sit idle on an adapter that
 * runs a workgroup as SIMD lanes on a CPU; fast's second and third convolutions' 217-row
 * gradients have 11 blocks, 5 of 16 lanes idle in whole workgroups, 1 of 12 in groups of 4:
 * fast conv 2's weight gradient 46.4-74.0 → 40.1-42.6 ms on llvmpipe (three alternating
 * processes). cnn conv 2's (21 blocks) in groups of 2 lanes measured no better.
 */
export function kLanesOf(kernel: MatmulKernel, p: MatmulProblem, slices: number): number {
  if (slices < 2 || !p.transA || !K_LANES_KERNELS.includes(kernel)) return 1;
  const g = VARIANT_GEOMETRY[kernel];
  const blocks = g.rowsInLanes ? ceilDiv(p.M, g.rm!) : ceilDiv(p.N, g.r);
  const used = (kl: number) => blocks / (ceilDiv(blocks, g.wgX / kl) * (g.wgX / kl));
  let best = 1;
  for (let kl = 2; kl <= g.wgX && kl <= slices && (kl <= 2 || kl * blocks <= g.wgX); kl *= 2) if (used(kl) > used(best)) best = kl;
  return best;
}

/**
 * Whether matmul_subgroup can take a problem: its workgroups of 4 rows (the y dimension)
 * within the device's limit (65,535: a convolution's im2col rows at batch 1000 exceed it).
 */
export function subgroupFits(ctx: GpuContext, p: MatmulProblem): boolean {
  return ceilDiv(p.M, VARIANT_GEOMETRY.subgroup.rm!) <= ctx.device.limits.maxComputeWorkgroupsPerDimension;
}

/** Split-K candidates stop where a dispatch has this many workgroups: enough for any GPU. */
const SPLIT_MAX_WORKGROUPS = 2048;
/** …or where a slice would sum fewer than this many k. */
const SPLIT_MIN_K = 32;

/**
 * The plans the autotuner measures for a problem: each variant that fits (vec4 only where
 * matmul_vec4 or matmul_vec4_edge takes the shape), unsplit, and (not naive) split into 2, 4, 8 … slices of k while the
 * dispatch stays under SPLIT_MAX_WORKGROUPS and slices sum at least SPLIT_MIN_K each. A
 * small output with a long k (a layer's 100 × 300 forward over K = 784) gets slices to
 * fill a GPU's compute units; a large one (a convolution's forward) gets none.
 */
export function candidatePlans(ctx: GpuContext, p: MatmulProblem): MatmulPlan[] {
  const plans: MatmulPlan[] = [];
  for (const variant of ALL_MATMUL_VARIANTS) {
    if (variant === 'vec4' && vec4Kernel(p) === 'blocked') continue;
    if (variant === 'subgroup' && !(variantRuns(ctx, variant) && subgroupFits(ctx, p))) continue;
    plans.push({ variant, split: 1 });
    if (variant === 'naive') continue;
    const [x, y] = gridOf(variant === 'vec4' ? vec4Kernel(p) : variant, p);
    let slices = 1;
    for (let split = 2; x * y * split <= SPLIT_MAX_WORKGROUPS && p.K / split >= SPLIT_MIN_K; split *= 2) {
      if (splitK(p.K, split).slices > slices) plans.push({ variant, split });
      slices = splitK(p.K, split).slices;
    }
  }
  return plans;
}

export function forwardProblem(B: number, C: number, OC: number, act: Activation): MatmulProblem {
  return { M: B, N: OC, K: C, lda: C, ldb: OC, transA: false, transB: false, mode: MODE.forward, act };
}

/**
 * The input gradient dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ act'(aPrev), W's rows OC long and read
 * transposed: a dense layer's block, or the flipped weights of a convolution's input gradient
 * as a convolution (conv_gemm).
 */
export function backwardInputProblem(B: number, C: number, OC: number, act: Activation): MatmulProblem {
  return { M: B, N: C, K: OC, lda: OC, ldb: OC, transA: false, transB: true, mode: MODE.backwardInput, act };
}

export function backwardWeightProblem(B: number, C: number, OC: number, mode: number = MODE.backwardWeight): MatmulProblem {
  return { M: C + 1, N: OC, K: B, lda: C, ldb: OC, transA: true, transB: false, mode, act: 'identity' };
}

/** The cache key of a problem: what changes the kernels' speed (sizes, strides, transposes, role). */
export function problemKey(p: MatmulProblem, bytes: boolean): string {
  return `${p.M}x${p.N}x${p.K} lda${p.lda} ldb${p.ldb} ${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'} mode${p.mode}${bytes ? ' u8' : ''}`;
}

/** The tuner's cache key for the form of matmul_vec4's ones row on a problem. */
export function onesRowKey(p: MatmulProblem, plan: MatmulPlan): string {
  return `${problemKey(p, false)} ${planName(plan)} ones row`;
}
