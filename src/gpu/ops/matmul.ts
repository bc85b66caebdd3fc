/**
 * The dense layer's matmuls in their four roles (forward, backward input, backward weight,
 * and backward weight with the SGD step), with the CPU reference's names and argument order
 * (src/cpu/matmul.ts), each built once into a Dispatch: the chosen plan's kernel, split over
 * k with its reduce where the plan says so.
 */
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE, MODE } from '../codes.ts';
import { storageBuffer } from '../buffers.ts';
import { buildOwning, ceilDiv, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache, KernelName, Overrides } from '../kernels.ts';
import {
  backwardInputProblem, backwardWeightProblem, checkVariantRuns, columnGroupsOf, forwardProblem, gridOf, kLanesOf, policyOf, splitK, subgroupFits, u8Fits, VARIANT_GEOMETRY, vec4Kernel,
  type MatmulChoice, type MatmulKernel, type MatmulPlan, type MatmulPlanner, type MatmulPolicy, type MatmulProblem,
} from '../matmul-plans.ts';
import { matmulDims, reduceDims } from '../uniforms.ts';

/**
 * A matmul input held as bytes (four to a u32 word), each read as byte / 255: gathered
 * image batches, which layer 1 reads in its forward and weight-gradient passes. Only
 * matmul_vec4 reads bytes; see byteInputFits.
 */
export interface ByteInput {
  bytes: GPUBuffer | Slice;
}

export type Operand = GPUBuffer | Slice | ByteInput;

export function isByteInput(o: Operand): o is ByteInput {
  return 'bytes' in o;
}

/**
 * A convolution's matmul as conv_gemm (conv_gemm.wgsl) instead of matmul_vec4: `sizes`, the
 * override constants of the im2col matrix it reads in place (lib/conv_common.wgsl); `uniformB`,
 * whether B is a buffer uniformBStage made, which conv_gemm_ub reads as its uniform binding.
 */
interface ConvGemm {
  sizes: Overrides;
  uniformB: boolean;
}

async function matmul(
  k: KernelCache, requested: MatmulChoice | MatmulPolicy, label: string, p: MatmulProblem,
  a: Operand, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice, conv?: ConvGemm,
): Promise<Dispatch> {
  const { variant, planner } = policyOf(requested);
  checkVariantRuns(k.ctx, variant);
  if (variant === 'auto' && !planner) {
    throw new Error("The 'auto' matmul variant needs a planner: pass { variant: 'auto', planner } with the autotuner (createAutotuner in src/gpu/autotune.ts).");
  }
  const plan: MatmulPlan =
    variant !== 'auto' ? { variant, split: p.split ?? 1 }
    : isByteInput(a) ? { variant: 'vec4', split: (await planner!.plan(p)).split }
    : await planner!.plan(p);
  return matmulPlanned(k, plan, label, p, a, b, aux, out, planner, conv);
}

/**
 * A convolution's matmul with its im2col matrix read in place (conv_gemm.wgsl): `x` is the
 * tensor whose im2col matrix op(A) is (the layer's input, or dY for the input gradient),
 * `sizes` the override constants of that im2col (lib/conv_common.wgsl); the rest as a
 * matmul's. Where `b` is a buffer uniformBStage made (`stagedB`: the forward's [W; b] or the
 * input gradient's flipped weights), conv_gemm_ub reads it as a uniform binding. Needs the vec4
 * variant and a problem its kernels take unsplit by width (src/gpu/ops/conv.ts implicitConvFits).
 */
export function convGemm(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, label: string, p: MatmulProblem,
  x: GPUBuffer | Slice, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice, sizes: Overrides, stagedB = false,
): Promise<Dispatch> {
  return matmul(k, variant, label, p, x, b, aux, out, { sizes, uniformB: stagedB });
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** The uniform binding conv_gemm_ub reads B from (lib/matmul_vec4_b_uniform.wgsl): 4,096 vec4, bound whole. */
const UNIFORM_B_BYTES = 65536;

/**
 * A buffer conv_gemm_ub can read B (`floats` of it) from as a uniform: STORAGE for the kernel
 * that fills it (copy_vec4, conv_flip_weights), UNIFORM for conv_gemm_ub, UNIFORM_B_BYTES long.
 * Null where B is longer or the device caps uniform bindings below that (compatibility mode's
 * default is 16 KiB; wgtrain asks for the adapter's own limit, 64 KiB on llvmpipe, SwiftShader
 * and GPUs): then conv_gemm reads B from storage. The one place that decides; convGemm's
 * `stagedB` passes the decision on.
 */
export function uniformBStage(device: GPUDevice, label: string, floats: number): GPUBuffer | null {
  if (device.limits.maxUniformBufferBindingSize < UNIFORM_B_BYTES || floats * 4 > UNIFORM_B_BYTES) return null;
  return device.createBuffer({ label, size: UNIFORM_B_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC });
}

/** B as conv_gemm_ub's binding: the whole of a buffer uniformBStage made, for the two roles whose B is the weights. */
function uniformBinding(label: string, b: GPUBuffer | Slice, p: MatmulProblem): Slice {
  if (!('mapState' in b) || b.size !== UNIFORM_B_BYTES || (b.usage & GPUBufferUsage.UNIFORM) === 0 || (p.mode !== MODE.forward && p.mode !== MODE.backwardInput)) {
    throw new Error(`${label}: conv_gemm_ub reads B from a whole buffer made by uniformBStage, in the forward or input-gradient role.`);
  }
  return { buffer: b, offset: 0, size: UNIFORM_B_BYTES };
}

/**
 * Builds one matmul: the plan's kernel over all of k, or (split > 1) over slices of k into
 * a partial-sum buffer of its own, followed by splitk_reduce (Dispatch.next), which adds
 * the slices and applies the epilogue. `selects`: matmul_vec4's SELECTS, a boolean, or the
 * planner that decides it (none: the branch). `conv`: conv_gemm in place of matmul_vec4,
 * binding 0 the tensor whose im2col matrix is A, with its sizes, and conv_gemm_ub where B was
 * staged for a uniform binding (convGemm).
 */
export async function matmulPlanned(
  k: KernelCache, plan: MatmulPlan, label: string, p: MatmulProblem,
  a: Operand, b: GPUBuffer | Slice, aux: GPUBuffer | Slice, out: GPUBuffer | Slice, selects?: boolean | MatmulPlanner, conv?: ConvGemm,
): Promise<Dispatch> {
  // vec4 runs as matmul_vec4 on aligned shapes, matmul_vec4_edge on widths that are not a
  // multiple of 4; the register-blocked kernel takes the rest. subgroup's rows past the
  // workgroup limit go to tiled.
  const variant = plan.variant === 'subgroup' && !subgroupFits(k.ctx, p) ? 'tiled' : plan.variant === 'vec4' && vec4Kernel(p) === 'blocked' ? 'blocked' : plan.variant;
  if (isByteInput(a) && (plan.variant !== 'vec4' || !u8Fits(p))) {
    throw new Error(`${label}: a byte input needs the vec4 variant and shapes that fit it (byteInputFits); got ${plan.variant}.`);
  }
  const kernel: MatmulKernel = isByteInput(a) ? 'vec4_u8' : variant === 'vec4' ? vec4Kernel(p) : variant;
  const { kSlice, slices } = splitK(p.K, plan.split);
  const g = VARIANT_GEOMETRY[kernel];
  const matmulShader = g.shader ?? (`matmul_${kernel}` as KernelName);
  if (conv && (matmulShader !== 'matmul_vec4' || isByteInput(a))) {
    throw new Error(`${label}: conv_gemm takes the shapes matmul_vec4 does, with the vec4 variant (implicitConvFits); this one would run ${matmulShader}.`);
  }
  // conv_gemm_ub where B (the weights) was staged for a uniform binding (uniformBStage).
  const bUniform = conv?.uniformB ? uniformBinding(label, b, p) : null;
  const shader: KernelName = conv ? (bUniform ? 'conv_gemm_ub' : 'conv_gemm') : matmulShader;
  const overrides: Overrides = { WG_X: g.wgX, WG_Y: g.wgY, TRANS_A: p.transA, TRANS_B: p.transB, MODE: p.mode, ACT: ACTIVATION_CODE[p.act], ...conv?.sizes };
  if (g.rowsInLanes) overrides.ROWS_IN_LANES = true;
  if (shader === 'matmul_vec4' || shader === 'matmul_vec4_edge' || shader === 'conv_gemm') {
    // Their shared body (lib/matmul_vec4_body.wgsl) has SELECTS. The ones row exists in the weight-gradient modes, read through Aᵀ.
    const onesRow = p.transA && p.mode >= MODE.backwardWeight;
    overrides.SELECTS = typeof selects === 'boolean' ? selects : onesRow && selects ? await selects.onesRowSelects(p, { variant, split: plan.split }) : false;
  }
  const kLanes = kLanesOf(kernel, p, slices);
  if (kLanes > 1) overrides.K_LANES = kLanes;
  const columnGroups = columnGroupsOf(kernel, p);
  if (columnGroups > 1) overrides.NB = columnGroups;
  // The label names the kernel as it runs (conv_gemm's forms are matmul_vec4's: 'vec4_rows' →
  // 'conv_gemm_rows') and how: its slices of k, the ones row by selects, lanes in groups.
  const how = [
    conv ? kernel.replace(/^vec4/, shader) : kernel,
    ...(slices > 1 ? [`k in ${slices} slices`] : []),
    ...(overrides.SELECTS ? ['ones row by selects'] : []),
    ...(kLanes > 1 ? [`${kLanes} to a workgroup`] : []),
    ...(columnGroups > 1 ? [`${8 * columnGroups} columns to an invocation`] : []),
  ];
  label = `${label} [${how.join(', ')}]`;
  const [x, y] = gridOf(kernel, p, kLanes, columnGroups);
  const aBuffer = isByteInput(a) ? a.bytes : a;
  if (slices === 1) {
    const dims = uniformBuffer(k.device, `${label} dims`, matmulDims({ ...p, kSlice: p.K, pstride: 0 }));
    return buildOwning(k, shader, overrides, label, [aBuffer, bUniform ?? b, aux, out], dims, [x, y, 1]);
  }
  const stride = align64(p.M * p.N);
  // With K_LANES, whole workgroups of slices: those past the last sum nothing (zeros).
  const z = ceilDiv(slices, kLanes);
  const partial = storageBuffer(k.device, `${label} partial sums`, z * kLanes * stride * 4);
  const dims = uniformBuffer(k.device, `${label} dims`, matmulDims({ ...p, kSlice, pstride: stride }));
  const first = await buildOwning(k, shader, { ...overrides, SPLIT: true }, label, [aBuffer, bUniform ?? b, aux, partial], dims, [x, y, z]);
  first.owned.push(partial);
  // What the epilogue reads: the bias row of B (MODE 0), act's input (MODE 1), the optimiser (MODE 3).
  const c = p.mode === MODE.forward ? b : aux;
  first.next = await splitKReduce(k, out, partial, c, z * kLanes, stride, p.M, p.N, p.mode, p.act, p.K * p.ldb, `${label} reduce`);
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
  const dims = uniformBuffer(k.device, `${label} dims`, reduceDims({ slices, size: M * N, N, stride, weights: (M - 1) * N, biasOffset }));
  const overrides = { WG: FLAT_WG, MODE: mode, ACT: ACTIVATION_CODE[act] };
  return buildOwning(k, 'splitk_reduce', overrides, label, [partial, c, out], dims, flatDispatch(M * N, FLAT_WG));
}
/** out (B, OC) = act(x (B, C) · W + b); wb is the layer's block [W; b]. */
export function matmulForward(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, out: GPUBuffer | Slice, x: Operand, wb: GPUBuffer | Slice,
  B: number, C: number, OC: number, act: Activation, label = 'matmulForward', split = 1,
): Promise<Dispatch> {
  return matmul(k, variant, label, { ...forwardProblem(B, C, OC, act), split }, x, wb, wb, out);
}

/** dX (B, C) = (dY (B, OC) · Wᵀ) ⊙ actPrev'(aPrev). */
export function matmulBackwardInput(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, dX: GPUBuffer | Slice, dY: GPUBuffer | Slice, wb: GPUBuffer | Slice,
  aPrev: GPUBuffer | Slice, B: number, C: number, OC: number, actPrev: Activation, label = 'matmulBackwardInput', split = 1,
): Promise<Dispatch> {
  const p = { ...backwardInputProblem(B, C, OC, actPrev), split };
  return matmul(k, variant, label, p, dY, wb, aPrev, dX);
}

/** dWb (C + 1, OC) = [xᵀ; 1] · dY: dW and, as its last row, dB. */
export function matmulBackwardWeight(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, dWb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice,
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
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, wb: GPUBuffer | Slice, x: Operand, dY: GPUBuffer | Slice, opt: GPUBuffer,
  B: number, C: number, OC: number, label = 'matmulBackwardWeightUpdate', split = 1,
): Promise<Dispatch> {
  return matmul(k, variant, label, { ...backwardWeightProblem(B, C, OC, MODE.backwardWeightUpdate), split }, x, dY, opt, wb);
}
