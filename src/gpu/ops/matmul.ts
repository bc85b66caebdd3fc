/**
 * The dense layer's matmuls in their four roles (forward, backward input, backward weight,
 * and backward weight with the SGD step), with the CPU reference's names and argument order
 * (src/cpu/matmul.ts), each built once into a Dispatch: the chosen plan's kernel, split over
 * k with its reduce where the plan says so.
 */
import { ACTIVATION_CODE, type Activation } from '../../model/spec.ts';
import { storageBuffer } from '../buffers.ts';
import { buildOwning, destroyDispatch, FLAT_WG, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache, KernelName, Overrides } from '../kernels.ts';
import { scratchOperands, timeCandidate } from '../autotune.ts';
import {
  backwardWeightProblem, byteInputFits, candidatePlans, checkVariantRuns, forwardProblem, gridOf, MODE, onesRowKey, parsePlan, planName, problemKey,
  splitK, subgroupFits, u8Fits, VARIANT_GEOMETRY, vec4Fits, type MatmulChoice, type MatmulPlan, type MatmulProblem, type MatmulVariant,
} from '../matmul-plans.ts';

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
