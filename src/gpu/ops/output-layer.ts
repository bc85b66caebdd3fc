/**
 * The output layer in one dispatch (output_layer.wgsl, CPU twin src/cpu/output-layer.ts),
 * and the measured choice between it and the forward matmul, loss and backward-input trio.
 */
import type { Activation, Loss } from '../../model/spec.ts';
import { ACTIVATION_CODE, LOSS_CODE } from '../codes.ts';
import { buildOwning, ceilDiv, MAX_WORKGROUPS_PER_DIM, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { policyOf, type MatmulChoice, type MatmulPolicy } from '../matmul-plans.ts';
import { OPTIMIZER_BYTES } from './update.ts';
import { outputLayerDims } from '../uniforms.ts';

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
  const dims = uniformBuffer(k.device, `${label} dims`, outputLayerDims({ B, C, K, S, CS, G, dropout: dropout ?? null }));
  const overrides = {
    WG, LOSS: LOSS_CODE[loss], ACT_OUT: ACTIVATION_CODE[actOut], ACT_PREV: ACTIVATION_CODE[actPrev], BACKWARD: dH !== null,
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
 * matmul, the loss kernel and the backward-input matmul (false): the planner's measured
 * choice (MatmulPlanner.outputFusion); without a planner, the trio.
 */
export async function tunedOutputFusion(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, B: number, C: number, K: number, loss: Loss, actOut: Activation, actPrev: Activation,
): Promise<boolean> {
  const { variant: choice, planner } = policyOf(variant);
  if (!planner || !outputLayerFits(k.device, K)) return false;
  return planner.outputFusion(choice, B, C, K, loss, actOut, actPrev);
}
