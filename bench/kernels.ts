/**
 * The kernel table: every kernel at the shapes of the lecun and nielsen networks (batch 1,
 * 10, 100, 1000) and matmul at 1024³, each GPU variant and the CPU reference on the same
 * row (output_layer beside the three dispatches it replaces). Each GPU result is checked
 * against the CPU reference before it is timed.
 */
import * as cpuLoss from '../src/cpu/loss.ts';
import * as cpuMatmul from '../src/cpu/matmul.ts';
import { outputLayer as cpuOutputLayer } from '../src/cpu/output-layer.ts';
import { gatherBatch as cpuGather, gatherBatchBytes as cpuGatherBytes } from '../src/cpu/gather.ts';
import { sgdUpdate as cpuSgd } from '../src/cpu/update.ts';
import { packBytes, readBuffer, readFloats, storageBuffer } from '../src/gpu/buffers.ts';
import type { GpuContext } from '../src/gpu/device.ts';
import { KernelCache, STEP_LR_WORD, STEP_SLOT_BYTES } from '../src/gpu/kernels.ts';
import { createAutotuner, createTuner, memoryStore } from '../src/gpu/autotune.ts';
import type { Dispatch } from '../src/gpu/dispatch.ts';
import { byteInputFits, ALL_MATMUL_VARIANTS, type MatmulChoice, type MatmulPlanner, variantRuns } from '../src/gpu/matmul-plans.ts';
import { gatherBatch } from '../src/gpu/ops/gather.ts';
import { softmaxCrossEntropy } from '../src/gpu/ops/loss.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../src/gpu/ops/matmul.ts';
import { outputLayer } from '../src/gpu/ops/output-layer.ts';
import { optimizerBuffer, sgdUpdate } from '../src/gpu/ops/update.ts';
import { paramLayout } from '../src/model/layout.ts';
import { compareArrays } from '../src/util/compare.ts';
import { seededArray } from '../src/util/seeded-array.ts';
import { fmtMs, fmtRate, table } from './table.ts';
import { timeCpu, timeGpu, type Timing } from './timing.ts';
import { denseNetwork } from '../src/model/arch.ts';

export interface KernelRow {
  kernel: string;
  shape: string;
  /** FLOPs (matmul) or bytes moved (the rest) per call. */
  work: number;
  unit: 'GFLOP/s' | 'GB/s';
  gpu: Record<string, Timing & { ran: string }>;
  cpu: Timing;
}

// Validation gate, not a precision test (test/gpu/ops has those): catches wrong results.
const TOL = { atol: 1e-3, rtol: 1e-3 };

const LAYERS: [string, number, number][] = [
  ['lecun 1', 784, 300],
  ['lecun 2', 300, 100],
  ['lecun 3', 100, 10],
  ['nielsen 1', 784, 30],
  ['nielsen 2', 30, 10],
];

/** The output layers of LAYERS, which output_layer runs with their loss and dH. */
const OUTPUT_LAYERS = LAYERS.filter(([label]) => label === 'lecun 3' || label === 'nielsen 2');

type MatmulOp = 'forward' | 'backward input' | 'backward weight';

export function validate(name: string, got: ArrayLike<number>, want: ArrayLike<number>) {
  const problem = compareArrays(name, got, want, TOL);
  if (problem) throw new Error(`Benchmark result is wrong, not timing it:\n${problem}`);
}

async function matmulRow(
  k: KernelCache, planner: MatmulPlanner, ctx: GpuContext, op: MatmulOp, B: number, C: number, OC: number, label: string, variants: readonly MatmulChoice[],
): Promise<KernelRow> {
  const d = ctx.device;
  // Pixel values (bytes / 255), so the byte-input kernel (vec4 u8) computes the same thing.
  const xBytes = Uint8Array.from(seededArray(B * C, 1, 0, 256), Math.floor);
  const x = Float32Array.from(xBytes, (v) => v / 255);
  const wb = seededArray((C + 1) * OC, 2, -0.1, 0.1);
  const dY = seededArray(B * OC, 3, -0.1, 0.1);
  const outLen = op === 'forward' ? B * OC : op === 'backward input' ? B * C : (C + 1) * OC;
  const want = new Float32Array(outLen);
  const run = {
    forward: () => cpuMatmul.matmulForward(want, x, wb, B, C, OC, 'relu'),
    'backward input': () => cpuMatmul.matmulBackwardInput(want, dY, wb, x, B, C, OC, 'relu'),
    'backward weight': () => cpuMatmul.matmulBackwardWeight(want, x, dY, B, C, OC),
  }[op];
  const cpu = timeCpu(run);
  const bx = storageBuffer(d, 'x', x);
  const bwb = storageBuffer(d, 'wb', wb);
  const bdY = storageBuffer(d, 'dY', dY);
  const out = storageBuffer(d, 'out', outLen * 4);
  const gpu: KernelRow['gpu'] = {};
  for (const v of variants) {
    const m = { variant: v, planner };
    const dispatch: Dispatch =
      op === 'forward'
        ? await matmulForward(k, m, out, bx, bwb, B, C, OC, 'relu')
        : op === 'backward input'
          ? await matmulBackwardInput(k, m, out, bdY, bwb, bx, B, C, OC, 'relu')
          : await matmulBackwardWeight(k, m, out, bx, bdY, B, C, OC);
    d.queue.writeBuffer(out, 0, new Float32Array(outLen).fill(NaN));
    const t = await timeGpu(ctx, [dispatch]);
    validate(`${op} ${label} ${v}`, await readFloats(d, out, outLen), want);
    gpu[v] = { ...t, ran: /\[([^\]]+)\]$/.exec(dispatch.label)?.[1] ?? v };
  }
  // Layer 1 as the trainer runs it: the input batch as bytes (matmul_vec4_u8).
  if (op !== 'backward input' && variants.includes('vec4') && byteInputFits('vec4', B, C, OC)) {
    const bytes = { bytes: storageBuffer(d, 'x bytes', packBytes(xBytes)) };
    const dispatch =
      op === 'forward'
        ? await matmulForward(k, { variant: 'vec4', planner }, out, bytes, bwb, B, C, OC, 'relu')
        : await matmulBackwardWeight(k, { variant: 'vec4', planner }, out, bytes, bdY, B, C, OC);
    d.queue.writeBuffer(out, 0, new Float32Array(outLen).fill(NaN));
    const t = await timeGpu(ctx, [dispatch]);
    validate(`${op} ${label} vec4 u8`, await readFloats(d, out, outLen), want);
    gpu['vec4 u8'] = { ...t, ran: 'vec4_u8' };
    bytes.bytes.destroy();
  }
  for (const b of [bx, bwb, bdY, out]) b.destroy();
  const M = op === 'backward weight' ? C + 1 : B;
  const N = op === 'backward input' ? C : OC;
  const K = op === 'forward' ? C : op === 'backward input' ? OC : B;
  return { kernel: `matmul ${op}`, shape: `${label} ${M}×${K}·${K}×${N}`, work: 2 * M * N * K, unit: 'GFLOP/s', gpu, cpu };
}

/**
 * The output layer, its loss and dH as the trainer runs it (output_layer, one dispatch), and
 * the three dispatches it replaces (matmul forward, softmax_cross_entropy, matmul backward
 * input with the relu of the layer before) timed back to back.
 */
async function outputLayerRow(k: KernelCache, planner: MatmulPlanner, ctx: GpuContext, B: number, C: number, K: number, label: string, step: GPUBindGroup): Promise<KernelRow> {
  const d = ctx.device;
  const h = seededArray(B * C, 11, 0, 1);
  const wb = seededArray((C + 1) * K, 12, -0.5, 0.5);
  const y = Uint32Array.from(seededArray(B, 13, 0, K), Math.floor);
  const want = { out: new Float32Array(B * K), dZ: new Float32Array(B * K), dH: new Float32Array(B * C), stats: new Float32Array(2 * B) };
  const cpu = timeCpu(() => cpuOutputLayer(want.out, want.dZ, want.dH, want.stats, h, wb, y, B, C, K, 'cross-entropy', 'identity', 'relu'));
  const [bh, bwb, by] = [storageBuffer(d, 'h', h), storageBuffer(d, 'wb', wb), storageBuffer(d, 'labels', y)];
  const [out, dZ, dH, stats] = [storageBuffer(d, 'out', B * K * 4), storageBuffer(d, 'dZ', B * K * 4), storageBuffer(d, 'dH', B * C * 4), storageBuffer(d, 'stats', B * 8)];
  const fused = await outputLayer(k, out, dZ, dH, stats, bh, bwb, by, B, C, K, 'cross-entropy', 'identity', 'relu', step);
  d.queue.writeBuffer(dH, 0, new Float32Array(B * C).fill(NaN));
  const tf = await timeGpu(ctx, [fused]);
  validate(`output_layer ${label} dZ`, await readFloats(d, dZ, B * K), want.dZ);
  validate(`output_layer ${label} dH`, await readFloats(d, dH, B * C), want.dH);
  // The trio as the trainer would run it: vec4 on software adapters, the tuner's plans on GPUs.
  const variant: MatmulChoice = ctx.adapter.isSoftware ? 'vec4' : 'auto';
  const m = { variant, planner };
  const unfused = [
    await matmulForward(k, m, out, bh, bwb, B, C, K, 'identity'),
    await softmaxCrossEntropy(k, dZ, out, by, stats, B, K, step),
    await matmulBackwardInput(k, m, dH, dZ, bwb, bh, B, C, K, 'relu'),
  ];
  d.queue.writeBuffer(dH, 0, new Float32Array(B * C).fill(NaN));
  const tu = await timeGpu(ctx, unfused);
  validate(`unfused output layer ${label} dH`, await readFloats(d, dH, B * C), want.dH);
  for (const b of [bh, bwb, by, out, dZ, dH, stats]) b.destroy();
  const ran = unfused.map((u) => /\[([^\]]+)\]$/.exec(u.label)?.[1]).filter(Boolean)[0] ?? variant;
  // Bytes: h read (twice unfused), W read, out, dZ, dH written, (loss, correct) per row.
  const work = 4 * (2 * B * C + (C + 1) * K + 2 * B * K + 2 * B);
  return {
    kernel: 'output_layer', shape: `${label} B=${B} C=${C} K=${K}`, work, unit: 'GB/s', cpu,
    gpu: { default: { ...tf, ran: 'output_layer' }, 'unfused (3)': { ...tu, ran: `${ran}, loss, ${ran}` } },
  };
}

/** A step bind group whose slot 0 says step 0, first row 0, learning rate `lr`. */
export function stepBindGroup(k: KernelCache, d: GPUDevice, lr = 0): GPUBindGroup {
  const buffer = d.createBuffer({ size: STEP_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Float32Array(buffer.getMappedRange())[STEP_LR_WORD] = lr;
  buffer.unmap();
  return k.stepBindGroup(buffer, 'bench step');
}

async function otherRows(k: KernelCache, planner: MatmulPlanner, ctx: GpuContext, batches: number[]): Promise<KernelRow[]> {
  const d = ctx.device;
  const rows: KernelRow[] = [];
  const step = stepBindGroup(k, d);
  for (const B of batches) {
    // gather: B images of 784 bytes → floats
    const N = Math.max(B, 1000);
    const P = 784;
    const images = Uint8Array.from(seededArray(N * P, 4, 0, 256), Math.floor);
    const labels = Uint8Array.from(seededArray(N, 5, 0, 10), Math.floor);
    const indices = Uint32Array.from(seededArray(N, 6, 0, N), Math.floor);
    const x = storageBuffer(d, 'x', B * P * 4);
    const y = storageBuffer(d, 'y', B * 4);
    const [bImages, bLabels, bIndices] = [storageBuffer(d, 'images', packBytes(images)), storageBuffer(d, 'labels', packBytes(labels)), storageBuffer(d, 'indices', indices)];
    const g = await gatherBatch(k, x, y, bImages, bLabels, bIndices, B, P, step);
    const wantX = new Float32Array(B * P);
    const wantY = new Uint32Array(B);
    const cpuG = timeCpu(() => cpuGather(wantX, wantY, images, labels, indices, 0, B, P));
    const tg = await timeGpu(ctx, [g]);
    validate('gather x', await readFloats(d, x, B * P), wantX);
    validate('gather y', new Uint32Array(await readBuffer(d, y, B * 4)), wantY);
    // The batch kept as bytes, as the trainer gathers it for matmul_vec4_u8: read and write 1 byte a pixel.
    const xb = storageBuffer(d, 'x bytes', B * P);
    const gb = await gatherBatch(k, { bytes: xb }, y, bImages, bLabels, bIndices, B, P, step);
    const tgb = await timeGpu(ctx, [gb]);
    const cpuGb = timeCpu(() => cpuGatherBytes(new Uint8Array(B * P), new Uint32Array(B), images, labels, indices, 0, B, P));
    validate('gather bytes x', Float32Array.from(new Uint8Array(await readBuffer(d, xb, B * P)), (v) => v / 255), wantX);
    rows.push({ kernel: 'gather_batch', shape: `B=${B} P=784`, work: B * P * 5, unit: 'GB/s', gpu: { default: { ...tg, ran: 'gather' } }, cpu: cpuG });
    rows.push({ kernel: 'gather_batch_u8', shape: `B=${B} P=784 (bytes)`, work: B * P * 2, unit: 'GB/s', gpu: { 'vec4 u8': { ...tgb, ran: 'gather_batch_u8' } }, cpu: cpuGb });

    // softmax cross-entropy over 10 classes
    const K = 10;
    const logits = seededArray(B * K, 7, -5, 5);
    const lab = Uint32Array.from(seededArray(B, 8, 0, K), Math.floor);
    const dL = storageBuffer(d, 'dLogits', B * K * 4);
    const stats = storageBuffer(d, 'stats', 16);
    const s = await softmaxCrossEntropy(k, dL, storageBuffer(d, 'logits', logits), storageBuffer(d, 'labels', lab), stats, B, K, step);
    const wantD = new Float32Array(B * K);
    const cpuS = timeCpu(() => cpuLoss.softmaxCrossEntropy(wantD, logits, lab, B, K));
    const ts = await timeGpu(ctx, [s]);
    validate('dLogits', await readFloats(d, dL, B * K), wantD);
    rows.push({ kernel: 'softmax_cross_entropy', shape: `B=${B} K=10`, work: B * K * 12, unit: 'GB/s', gpu: { default: { ...ts, ran: 'single workgroup' } }, cpu: cpuS });
    for (const [label, C, K] of OUTPUT_LAYERS) rows.push(await outputLayerRow(k, planner, ctx, B, C, K, label, step));
  }
  for (const [name, sizes] of [['lecun', [784, 300, 100, 10]], ['nielsen', [784, 30, 10]]] as const) {
    const layout = paramLayout(denseNetwork([...sizes]));
    const n = layout.total;
    const params = seededArray(n, 9);
    const grads = seededArray(n, 10);
    const p = storageBuffer(d, 'params', params);
    const u = await sgdUpdate(k, p, storageBuffer(d, 'grads', grads), optimizerBuffer(d, layout, 1e-9, 1e-9, 0), n, stepBindGroup(k, d, 1e-9));
    // Validate one update from the original parameters, then time (lr ≈ 0 keeps values sane).
    const once = Float32Array.from(params);
    cpuSgd(once, grads, layout, 1e-9, 1e-9);
    const t = await timeGpu(ctx, [u]);
    const cpu = timeCpu(() => cpuSgd(once, grads, layout, 1e-9, 1e-9));
    validate('params', await readFloats(d, p, n), params);
    rows.push({ kernel: 'sgd_update', shape: `${name} ${layout.count} params`, work: n * 12, unit: 'GB/s', gpu: { default: { ...t, ran: 'vec4' } }, cpu });
  }
  return rows;
}

export async function kernelTable(ctx: GpuContext, opts: { quick: boolean }): Promise<KernelRow[]> {
  const k = new KernelCache(ctx);
  // 'auto': the autotuner's plan for each shape (variant and split of k), as the trainer would run it.
  const planner = createAutotuner(k, createTuner(ctx, memoryStore()));
  const CHOICES: MatmulChoice[] = [...ALL_MATMUL_VARIANTS.filter((v) => variantRuns(ctx, v)), 'auto'];
  const rows: KernelRow[] = [];
  const batches = opts.quick ? [100] : [1, 10, 100, 1000];
  const ops: MatmulOp[] = ['forward', 'backward input', 'backward weight'];
  for (const B of batches) {
    for (const [label, C, OC] of opts.quick ? LAYERS.slice(0, 1) : LAYERS) {
      for (const op of ops) {
        if (op === 'backward input' && (label.endsWith(' 1'))) continue; // the first layer needs no dX
        rows.push(await matmulRow(k, planner, ctx, op, B, C, OC, `${label} B=${B}`, CHOICES));
      }
    }
  }
  if (!opts.quick) for (const op of ops) rows.push(await matmulRow(k, planner, ctx, op, 1024, 1024, 1024, '1024³', CHOICES));
  rows.push(...(await otherRows(k, planner, ctx, batches)));
  return rows;
}

export function formatKernelTable(rows: KernelRow[]): string {
  const variants = [...new Set(rows.flatMap((r) => Object.keys(r.gpu)))];
  const cell = (r: KernelRow, t: Timing) => `${fmtMs(t.mean, t.sd)} ms, ${fmtRate(r.work / (t.mean * 1e6))}`;
  const headers = ['kernel', 'shape', 'unit', ...variants.map((v) => `GPU ${v}`), 'CPU reference', 'best GPU / CPU'];
  const body = rows.map((r) => {
    const best = Math.min(...Object.values(r.gpu).map((t) => t.mean));
    return [
      r.kernel, r.shape, r.unit,
      ...variants.map((v) => {
        const t = r.gpu[v];
        if (!t) return '';
        // vec4 runs as blocked on shapes it cannot take; say so.
        return cell(r, t) + (t.ran !== v && v !== 'default' ? ` (${t.ran})` : '');
      }),
      cell(r, r.cpu),
      `${(r.cpu.mean / best).toFixed(1)}×`,
    ];
  });
  return table(headers, body, (c) => c > 2);
}
