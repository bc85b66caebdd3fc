/**
 * GPU operations of batch normalization, with the CPU twins' names and arguments
 * (src/cpu/batchnorm.ts): x (N, C) channels last, N = B·H·W rows; wb the layer's parameter
 * block [γ; β], stats and the running state (2, C) each (mean; variance).
 */
import { BN_EPS, BN_MOMENTUM, BN_ROWS, bnChunks } from '../../cpu/batchnorm.ts';
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { storageBuffer } from '../buffers.ts';
import type { KernelCache } from '../kernels.ts';
import { buildOwning, flatDispatch, MAX_WORKGROUPS_PER_DIM, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import { batchDims } from '../uniforms.ts';

type Buf = GPUBuffer | Slice;

/** Invocations per workgroup of batchnorm_stats_totals and batchnorm_backward_totals. */
const REDUCE_WG = 64;
const FLAT_WG = 256;

function bnDims(k: KernelCache, label: string, N: number): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, batchDims(N));
}

/** Workgroups of chunk sums along the rows: at most the device's limit per dimension. */
function chunksOf(N: number, what: string): number {
  const chunks = bnChunks(N);
  if (chunks > MAX_WORKGROUPS_PER_DIM) {
    throw new Error(`Batch normalization's ${what} sums chunks of ${BN_ROWS} rows, at most ${MAX_WORKGROUPS_PER_DIM} of them; ${N} rows (batch × height × width) exceed that: use a smaller batch.`);
  }
  return chunks;
}

/** Invocations of a chunk-sums workgroup, along the channels: C rounded up to 8, at most 64. */
const sumsWg = (C: number) => Math.min(64, Math.ceil(C / 8) * 8);

/**
 * A chunk-sums kernel over `chunks` chunks of rows: its _vec4 form, four channels per
 * invocation dispatched flat over chunks · C / 4, where C is a multiple of 4; else one channel
 * per invocation, workgroups along the channels (x) and the chunks (y).
 */
function chunkSums(
  k: KernelCache, kernel: 'batchnorm_stats_sums' | 'batchnorm_backward_sums', overrides: Record<string, number>, label: string,
  bindings: Buf[], N: number, C: number, chunks: number,
): Promise<Dispatch> {
  if (C % 4 === 0) {
    const vec4 = `${kernel}_vec4` as const;
    return buildOwning(k, vec4, { WG: FLAT_WG, ...overrides }, `${label} [${vec4}]`, bindings, bnDims(k, label, N), flatDispatch((chunks * C) / 4, FLAT_WG));
  }
  const wg = sumsWg(C);
  return buildOwning(k, kernel, { WG: wg, ...overrides }, `${label} [${kernel}]`, bindings, bnDims(k, label, N), [Math.ceil(C / wg), chunks, 1]);
}

/**
 * partial (chunks of BN_ROWS rows, C) = per chunk and channel Σ x (pass 0) or Σ (x − mean)²
 * (pass 1): four channels per invocation where C is a multiple of 4
 * (batchnorm_stats_sums_vec4.wgsl), else one (batchnorm_stats_sums.wgsl).
 */
export function batchnormStatsSums(k: KernelCache, partial: Buf, x: Buf, stats: Buf, N: number, C: number, pass: 0 | 1, label = 'batchnormStatsSums'): Promise<Dispatch> {
  return chunkSums(k, 'batchnorm_stats_sums', { C, ROWS: BN_ROWS, PASS: pass }, label, [x, stats, partial], N, C, chunksOf(N, 'statistics'));
}

/** The chunks' sums added: the mean (pass 0), or the variance and the running averages (pass 1) (batchnorm_stats_totals.wgsl). */
export function batchnormStatsTotals(k: KernelCache, stats: Buf, running: Buf, partial: Buf, N: number, C: number, pass: 0 | 1, label = 'batchnormStatsTotals'): Promise<Dispatch> {
  const overrides = { WG: REDUCE_WG, C, ROWS: BN_ROWS, PASS: pass, MOMENTUM: BN_MOMENTUM };
  return buildOwning(k, 'batchnorm_stats_totals', overrides, label, [partial, stats, running], bnDims(k, label, N), flatDispatch(C, REDUCE_WG));
}

/**
 * stats (2, C) = the batch's mean and biased variance; running moved towards mean and
 * unbiased variance: batchnorm_stats_sums and _totals for the mean, then again for the
 * variance, one Dispatch chained by `next` (the chunks' sums in a buffer it owns). On
 * llvmpipe (as batchnormForward's figures) 73,728 × 24 4.7–5.9 → 3.8–5.7 ms, 12,800 × 32
 * 1.0–1.5 → 0.85–1.2 against the one workgroup per channel it replaces; a GPU gets
 * C·chunks workgroups instead of C.
 */
export async function batchnormStats(k: KernelCache, stats: Buf, running: Buf, x: Buf, N: number, C: number, label = 'batchnormStats'): Promise<Dispatch> {
  const partial = storageBuffer(k.device, `${label} chunk sums`, 4 * chunksOf(N, 'statistics') * C);
  const first = await batchnormStatsSums(k, partial, x, stats, N, C, 0, `${label} sums`);
  first.owned.push(partial);
  const mean = (first.next = await batchnormStatsTotals(k, stats, running, partial, N, C, 0, `${label} mean`));
  const squares = (mean.next = await batchnormStatsSums(k, partial, x, stats, N, C, 1, `${label} squares`));
  squares.next = await batchnormStatsTotals(k, stats, running, partial, N, C, 1, `${label} variance`);
  return first;
}

/**
 * out (N, C) = act(γ·(x − mean)/√(var + ε) + β) with (mean; var) from stats: four channels
 * per invocation where C is a multiple of 4 (batchnorm_forward_vec4.wgsl), else one
 * (batchnorm_forward.wgsl). llvmpipe, ms per call (the best of 4, three alternating processes):
 * fast's first batch norm (73,728 × 24) 6.3–8.8 → 3.7–4.9; 12,800 × 32 1.65–1.85 → 0.84–1.0.
 */
export function batchnormForward(
  k: KernelCache, out: Buf, x: Buf, wb: Buf, stats: Buf, N: number, C: number, act: Activation, label = 'batchnormForward',
): Promise<Dispatch> {
  const overrides = { WG: FLAT_WG, C, EPS: BN_EPS, ACT: ACTIVATION_CODE[act] };
  const [kernel, lanes] = C % 4 === 0 ? (['batchnorm_forward_vec4', 4] as const) : (['batchnorm_forward', 1] as const);
  return buildOwning(k, kernel, overrides, `${label} [${kernel}]`, [x, wb, stats, out], bnDims(k, label, N), flatDispatch((N * C) / lanes, FLAT_WG));
}

/** A 16-byte buffer bound where a kernel's mode writes nothing (destroyed with the dispatch). */
function unused(k: KernelCache, label: string): GPUBuffer {
  return storageBuffer(k.device, `${label} (unused binding)`, 16);
}

/**
 * partial (chunks of BN_ROWS rows, C) vec2 = per chunk and channel (Σ g·x̂, Σ g): four
 * channels per invocation where C is a multiple of 4 (batchnorm_backward_sums_vec4.wgsl), else
 * one (batchnorm_backward_sums.wgsl).
 */
export function batchnormBackwardSums(k: KernelCache, partial: Buf, x: Buf, dY: Buf, stats: Buf, N: number, C: number, label = 'batchnormBackwardSums'): Promise<Dispatch> {
  return chunkSums(k, 'batchnorm_backward_sums', { C, EPS: BN_EPS, ROWS: BN_ROWS }, label, [x, dY, stats, partial], N, C, chunksOf(N, 'backward pass'));
}

/**
 * The chunks' sums added: dWb = [dγ; dβ], or (opt given) the SGD step on wb in place; coef
 * (3, C) = (γ·istd, dβ/N, dγ/N) with γ before the step (batchnorm_backward_totals.wgsl).
 */
export async function batchnormBackwardTotals(
  k: KernelCache, coef: Buf, wb: Buf, dWb: Buf | null, partial: Buf, stats: Buf, opt: GPUBuffer | null, N: number, C: number, label = 'batchnormBackwardTotals',
): Promise<Dispatch> {
  const spare = dWb ? null : unused(k, label);
  const overrides = { WG: REDUCE_WG, C, EPS: BN_EPS, ROWS: BN_ROWS, FUSED: opt !== null };
  const d = await buildOwning(k, 'batchnorm_backward_totals', overrides, label, [partial, stats, opt ?? stats, wb, dWb ?? spare!, coef], bnDims(k, label, N), flatDispatch(C, REDUCE_WG));
  if (spare) d.owned.push(spare);
  return d;
}

/**
 * dX (N, C) = actPrev′(x) · coef[0]·(g − coef[1] − x̂·coef[2]): four channels per invocation
 * where C is a multiple of 4 (batchnorm_backward_input_vec4.wgsl), else one (batchnorm_backward_input.wgsl).
 * The whole backward pass on llvmpipe (the best of 4, three alternating processes): 73,728 × 24
 * 12.7–16.9 → 9.2–12.4 ms, 12,800 × 32 3.4–4.4 → 1.9–2.6.
 */
export function batchnormBackwardInput(
  k: KernelCache, dX: Buf, x: Buf, dY: Buf, stats: Buf, coef: Buf, N: number, C: number, actPrev: Activation, label = 'batchnormBackwardInput',
): Promise<Dispatch> {
  const overrides = { WG: FLAT_WG, C, EPS: BN_EPS, ACT: ACTIVATION_CODE[actPrev] };
  const [kernel, lanes] = C % 4 === 0 ? (['batchnorm_backward_input_vec4', 4] as const) : (['batchnorm_backward_input', 1] as const);
  return buildOwning(k, kernel, overrides, `${label} [${kernel}]`, [x, dY, stats, coef, dX], bnDims(k, label, N), flatDispatch((N * C) / lanes, FLAT_WG));
}

/**
 * The backward pass as its three kernels, one Dispatch chained by `next`: sums → totals
 * (dWb, or the SGD step on wb with `opt`) → input (skipped when dX is null). The chunks'
 * sums and the coefficients live in buffers the dispatch owns.
 */
async function backward(
  k: KernelCache, dX: Buf | null, dWb: Buf | null, wb: Buf, x: Buf, dY: Buf, stats: Buf, opt: GPUBuffer | null,
  N: number, C: number, actPrev: Activation, label: string,
): Promise<Dispatch> {
  const partial = storageBuffer(k.device, `${label} chunk sums`, 8 * bnChunks(N) * C);
  const coef = storageBuffer(k.device, `${label} coefficients`, 4 * 3 * C);
  const sums = await batchnormBackwardSums(k, partial, x, dY, stats, N, C, `${label} sums`);
  sums.owned.push(partial, coef);
  sums.next = await batchnormBackwardTotals(k, coef, wb, dWb, partial, stats, opt, N, C, `${label} totals`);
  if (dX) sums.next.next = await batchnormBackwardInput(k, dX, x, dY, stats, coef, N, C, actPrev, `${label} input`);
  return sums;
}

/** dWb (2, C) = [dγ; dβ], and dX (N, C) ⊙ actPrev′(x) unless null (batchnorm_backward_sums, _totals and _input). */
export function batchnormBackward(
  k: KernelCache, dX: Buf | null, dWb: Buf, x: Buf, dY: Buf, wb: Buf, stats: Buf, N: number, C: number, actPrev: Activation,
  label = 'batchnormBackward',
): Promise<Dispatch> {
  return backward(k, dX, dWb, wb, x, dY, stats, null, N, C, actPrev, label);
}

/**
 * batchnormBackward with plain SGD applied to wb in place (FUSED), lr and l2 read from the
 * optimiser buffer: γ decays like a weight, β does not.
 */
export function batchnormBackwardUpdate(
  k: KernelCache, dX: Buf | null, wb: Buf, x: Buf, dY: Buf, stats: Buf, opt: GPUBuffer, N: number, C: number, actPrev: Activation,
  label = 'batchnormBackwardUpdate',
): Promise<Dispatch> {
  return backward(k, dX, null, wb, x, dY, stats, opt, N, C, actPrev, label);
}
