/**
 * The output layer in one dispatch (output_layer.wgsl, CPU twin src/cpu/output-layer.ts),
 * and the measured choice between it and the forward matmul, loss and backward-input trio.
 */
import { keepThreshold } from '../../cpu/dropout.ts';
import { ACTIVATION_CODE, type Activation, type Loss } from '../../model/spec.ts';
import { storageBuffer } from '../buffers.ts';
import { buildOwning, ceilDiv, destroyDispatch, f32Bits, MAX_WORKGROUPS_PER_DIM, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import { STEP_SLOT_BYTES, type KernelCache } from '../kernels.ts';
import { timeCandidate } from '../autotune.ts';
import type { MatmulChoice } from '../matmul-plans.ts';
import { quadraticCost, softmaxCrossEntropy } from './loss.ts';
import { matmulBackwardInput, matmulForward } from './matmul.ts';
import { OPTIMIZER_BYTES } from './update.ts';

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
