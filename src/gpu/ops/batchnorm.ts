/**
 * GPU operations of batch normalization, with the CPU twins' names and arguments
 * (src/cpu/batchnorm.ts): x (N, C) channels last, N = B·H·W rows; wb the layer's parameter
 * block [γ; β], stats and the running state (2, C) each (mean; variance).
 */
import { BN_EPS, BN_MOMENTUM } from '../../cpu/batchnorm.ts';
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { storageBuffer } from '../buffers.ts';
import type { KernelCache } from '../kernels.ts';
import { buildOwning, flatDispatch, MAX_WORKGROUPS_PER_DIM, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import { batchDims } from '../uniforms.ts';

type Buf = GPUBuffer | Slice;

/** Invocations per channel of the reducing kernels (stats, backward): a power of two. */
const REDUCE_WG = 64;
const FLAT_WG = 256;

function bnDims(k: KernelCache, label: string, N: number): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, batchDims(N));
}

/** One workgroup per channel. */
function perChannel(C: number): [number, number, number] {
  if (C > MAX_WORKGROUPS_PER_DIM) throw new Error(`Batch normalization runs one workgroup per channel; ${C} channels exceed ${MAX_WORKGROUPS_PER_DIM}.`);
  return [C, 1, 1];
}

/** stats (2, C) = the batch's mean and biased variance; running moved towards mean and unbiased variance (batchnorm_stats.wgsl). */
export function batchnormStats(k: KernelCache, stats: Buf, running: Buf, x: Buf, N: number, C: number, label = 'batchnormStats'): Promise<Dispatch> {
  const overrides = { WG: REDUCE_WG, C, EPS: BN_EPS, MOMENTUM: BN_MOMENTUM };
  return buildOwning(k, 'batchnorm_stats', overrides, label, [x, stats, running], bnDims(k, label, N), perChannel(C));
}

/** out (N, C) = act(γ·(x − mean)/√(var + ε) + β) with (mean; var) from stats (batchnorm_forward.wgsl). */
export function batchnormForward(
  k: KernelCache, out: Buf, x: Buf, wb: Buf, stats: Buf, N: number, C: number, act: Activation, label = 'batchnormForward',
): Promise<Dispatch> {
  const overrides = { WG: FLAT_WG, C, EPS: BN_EPS, ACT: ACTIVATION_CODE[act] };
  return buildOwning(k, 'batchnorm_forward', overrides, label, [x, wb, stats, out], bnDims(k, label, N), flatDispatch(N * C, FLAT_WG));
}

/** A 16-byte buffer bound where a kernel's mode writes nothing (destroyed with the dispatch). */
function unused(k: KernelCache, label: string): GPUBuffer {
  return storageBuffer(k.device, `${label} (unused binding)`, 16);
}

async function backward(
  k: KernelCache, dX: Buf | null, dWb: Buf | null, wb: Buf, x: Buf, dY: Buf, stats: Buf, opt: GPUBuffer | null,
  N: number, C: number, actPrev: Activation, label: string,
): Promise<Dispatch> {
  const overrides = { WG: REDUCE_WG, C, EPS: BN_EPS, ACT: ACTIVATION_CODE[actPrev], HAS_DX: dX !== null, FUSED: opt !== null };
  const spare = [dWb ? null : unused(k, label), dX ? null : unused(k, label)];
  const storage = [x, dY, stats, opt ?? stats, wb, dWb ?? spare[0]!, dX ?? spare[1]!];
  const d = await buildOwning(k, 'batchnorm_backward', overrides, label, storage, bnDims(k, label, N), perChannel(C));
  d.owned.push(...spare.filter((b) => b !== null));
  return d;
}

/** dWb (2, C) = [dγ; dβ], and dX (N, C) ⊙ actPrev′(x) unless null (batchnorm_backward.wgsl). */
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
