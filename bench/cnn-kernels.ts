/**
 * Kernel rows of the convolutional presets (lenet5, cnn) at their own layer shapes: per
 * convolution im2col, the forward matmul, the weight gradient (split-K slices + reduce, one
 * row) and, past the first layer, the input gradient (matmul + col2im, one row), and where
 * the trainer runs the layer without im2col (runsImplicit) the same three by conv_gemm; per pooling
 * layer max-pool forward and backward; adam_update over the whole parameter buffer. The
 * GPU runs each as the trainer does (its matmul variant for the adapter) and every result is
 * checked against its CPU twin (src/cpu/conv.ts, pool.ts, update.ts) before it is timed.
 *
 * Work per call: matmul rows count 2·M·N·K FLOPs (the weight gradient's bias row included,
 * col2im's additions not); the memory-bound rows count every buffer element read or written
 * once (im2col: x read, col written; pooling forward: x read, maxima and argmax written;
 * backward: dY, argmax and xPrev read, dX written; Adam: gradient read, parameters, m and
 * v read and written).
 */
import * as cpuConv from '../src/cpu/conv.ts';
import * as cpuMatmul from '../src/cpu/matmul.ts';
import * as cpuPool from '../src/cpu/pool.ts';
import { adamUpdate as cpuAdam } from '../src/cpu/update.ts';
import { readBuffer, readFloats, storageBuffer } from '../src/gpu/buffers.ts';
import { destroyDispatch, type Dispatch } from '../src/gpu/dispatch.ts';
import type { MatmulChoice, MatmulPolicy } from '../src/gpu/matmul-plans.ts';
import {
  conv2dBackwardInput, conv2dBackwardInputImplicit, conv2dBackwardWeight, conv2dBackwardWeightImplicit, conv2dForward, conv2dForwardImplicit, im2col, runsImplicit,
} from '../src/gpu/ops/conv.ts';
import { maxPoolBackward, maxPoolBackwardKernel, maxPoolForward } from '../src/gpu/ops/pool.ts';
import { adamUpdate, optimizerBuffer, optimizerWords } from '../src/gpu/ops/update.ts';
import type { GpuContext } from '../src/gpu/device.ts';
import { KernelCache } from '../src/gpu/kernels.ts';
import { defaultVariant } from '../src/gpu/trainer.ts';
import { createAutotuner, createTuner } from '../src/gpu/autotune.ts';
import { fileStore } from '../src/gpu/autotune.node.ts';
import { paramLayout } from '../src/model/layout.ts';
import { ADAM_DEFAULTS, PRESETS } from '../src/train/config.ts';
import { seededArray } from '../src/util/seeded-array.ts';
import { CNN_PRESETS, convPoolStages, describeStage, type CnnPreset, type FeatureStage } from './cnn-layers.ts';
import { stepBindGroup, validate, type KernelRow } from './kernels.ts';
import { fmtMs, fmtRate, table } from './table.ts';
import { runOnce, timeCpu, timeGpu } from './timing.ts';
import { denseNetwork } from '../src/model/arch.ts';

const poison = (n: number) => new Float32Array(n).fill(NaN);

/**
 * What a matmul dispatch ran (its label ends in [kernel, …]): vec4 falls back to blocked on
 * shapes it cannot take; a split-K plan says its slices, and its reduce is part of it.
 */
function ran(d: Dispatch): string {
  const what = /\[([^\]]+)\]$/.exec(d.label)?.[1] ?? '?';
  return d.next ? `${what} + reduce` : what;
}

/** Runs `dispatches` once, `check`s what they wrote against the CPU twin (it throws when wrong), then times them. */
async function checkedTiming(ctx: GpuContext, dispatches: Dispatch[], check: () => Promise<void>) {
  await runOnce(ctx, dispatches);
  await check();
  return timeGpu(ctx, dispatches);
}

async function convRows(k: KernelCache, ctx: GpuContext, net: string, s: Extract<FeatureStage, { kind: 'conv' }>, variant: MatmulChoice | MatmulPolicy): Promise<KernelRow[]> {
  const d = ctx.device;
  const g = s.conv;
  const { rows, cols } = cpuConv.colShape(g);
  const where = `${net} ${s.name}`;
  const shape = `${where}: ${describeStage(s)}`;
  const xLen = g.B * g.H * g.W * g.IC;
  // Inputs as the layer sees them: pixels in [0, 1], or ReLU'd and pooled feature maps (≥ 0).
  const x = seededArray(xLen, 11, 0, 1);
  const wb = seededArray((cols + 1) * g.OC, 12, -0.1, 0.1);
  const dY = seededArray(rows * g.OC, 13, -0.1, 0.1);
  const bx = storageBuffer(d, 'x', x);
  const bwb = storageBuffer(d, 'wb', wb);
  const bdY = storageBuffer(d, 'dY', dY);
  const col = storageBuffer(d, 'col', rows * cols * 4);
  const out = storageBuffer(d, 'out', rows * g.OC * 4);
  const out_: KernelRow[] = [];

  // im2col
  const wantCol = new Float32Array(rows * cols);
  const cpuIm2col = timeCpu(() => cpuConv.im2col(wantCol, x, g));
  const toCol = await im2col(k, col, bx, g, `${where} im2col`);
  d.queue.writeBuffer(col, 0, poison(rows * cols));
  const tIm2col = await checkedTiming(ctx, [toCol], async () => validate(`${where} im2col`, await readFloats(d, col, rows * cols), wantCol));
  out_.push({ kernel: 'im2col', shape: `${shape} (${rows}×${cols})`, work: (xLen + rows * cols) * 4, unit: 'GB/s', gpu: { gpu: { ...tIm2col, ran: 'im2col' } }, cpu: cpuIm2col });

  // Forward: the matmul of conv2dForward, on the col just checked (bias and ReLU fused).
  const wantOut = new Float32Array(rows * g.OC);
  // conv2dForward's matmul alone (the twin's conv2dForward = im2col + this).
  const cpuFwd = timeCpu(() => cpuMatmul.matmulForward(wantOut, wantCol, wb, rows, cols, g.OC, 'relu'));
  const [fwdIm2col, matmul] = await conv2dForward(k, variant, out, col, bx, bwb, g, 'relu', `${where} forward`);
  d.queue.writeBuffer(out, 0, poison(rows * g.OC));
  const tFwd = await checkedTiming(ctx, [matmul], async () => validate(`${where} forward`, await readFloats(d, out, rows * g.OC), wantOut));
  out_.push({
    kernel: 'conv forward matmul', shape: `${where} ${rows}×${cols}·${cols}×${g.OC}`, work: 2 * rows * cols * g.OC, unit: 'GFLOP/s',
    gpu: { gpu: { ...tFwd, ran: ran(matmul) } }, cpu: cpuFwd,
  });

  // Weight gradient [colᵀ; 1]·dY: split-K slices and their reduce, one row.
  const wantDW = new Float32Array((cols + 1) * g.OC);
  const cpuDW = timeCpu(() => cpuConv.conv2dBackwardWeight(wantDW, wantCol, dY, g));
  const dWb = storageBuffer(d, 'dWb', wantDW.length * 4);
  const opt = optimizerBuffer(d, paramLayout(denseNetwork([cols, g.OC])), 0, 0, 0);
  const dwDispatches = await conv2dBackwardWeight(k, variant, dWb, col, bdY, opt, g, `${where} backward weight`);
  d.queue.writeBuffer(dWb, 0, poison(wantDW.length));
  const tDW = await checkedTiming(ctx, dwDispatches, async () => validate(`${where} backward weight`, await readFloats(d, dWb, wantDW.length), wantDW));
  out_.push({
    kernel: 'conv backward weight', shape: `${where} ${cols + 1}×${rows}·${rows}×${g.OC}`, work: 2 * rows * (cols + 1) * g.OC, unit: 'GFLOP/s',
    gpu: { gpu: { ...tDW, ran: ran(dwDispatches[0]) } }, cpu: cpuDW,
  });

  // Input gradient col2im(dY·Wᵀ) ⊙ ReLU'(x): not needed (nor run) for the layer that reads the images.
  if (!s.first) {
    const wantDX = new Float32Array(xLen);
    const dColCpu = new Float32Array(rows * cols);
    const cpuDX = timeCpu(() => cpuConv.conv2dBackwardInput(wantDX, dColCpu, dY, wb, x, g, s.act));
    const dX = storageBuffer(d, 'dX', xLen * 4);
    const dCol = storageBuffer(d, 'dCol', rows * cols * 4);
    const dxDispatches = await conv2dBackwardInput(k, variant, dX, dCol, bdY, bwb, bx, g, s.act, `${where} backward input`);
    d.queue.writeBuffer(dX, 0, poison(xLen));
    const tDX = await checkedTiming(ctx, dxDispatches, async () => validate(`${where} backward input`, await readFloats(d, dX, xLen), wantDX));
    out_.push({
      kernel: 'conv backward input', shape: `${where} ${rows}×${g.OC}·${g.OC}×${cols} + col2im`, work: 2 * rows * cols * g.OC, unit: 'GFLOP/s',
      gpu: { gpu: { ...tDX, ran: `${ran(dxDispatches[0])} + ${ran(dxDispatches[1])}` } }, cpu: cpuDX,
    });
    dX.destroy();
    dCol.destroy();
    dxDispatches.forEach(destroyDispatch);
  }
  // Without im2col, as the trainer runs this layer with this variant: the same three, by conv_gemm.
  if (runsImplicit(variant, g)) {
    const fwd = await conv2dForwardImplicit(k, variant, out, bx, bwb, g, 'relu', `${where} forward`);
    d.queue.writeBuffer(out, 0, poison(rows * g.OC));
    const tF = await checkedTiming(ctx, fwd, async () => validate(`${where} forward (conv_gemm)`, await readFloats(d, out, rows * g.OC), wantOut));
    out_.push({
      kernel: 'conv forward, no im2col', shape: `${where} ${rows}×${cols}·${cols}×${g.OC}`, work: 2 * rows * cols * g.OC, unit: 'GFLOP/s',
      // With its weights staged into a uniform binding first (copy_vec4), the matmul is the last dispatch.
      gpu: { gpu: { ...tF, ran: fwd.length > 1 ? `copy + ${ran(fwd.at(-1)!)}` : ran(fwd[0]) } }, cpu: cpuFwd,
    });
    const dw = await conv2dBackwardWeightImplicit(k, variant, dWb, bx, bdY, opt, g, 2, `${where} backward weight`);
    d.queue.writeBuffer(dWb, 0, poison(wantDW.length));
    const tW = await checkedTiming(ctx, dw, async () => validate(`${where} backward weight (conv_gemm)`, await readFloats(d, dWb, wantDW.length), wantDW));
    out_.push({
      kernel: 'conv backward weight, no im2col', shape: `${where} ${cols + 1}×${rows}·${rows}×${g.OC}`, work: 2 * rows * (cols + 1) * g.OC, unit: 'GFLOP/s',
      gpu: { gpu: { ...tW, ran: ran(dw[0]) } }, cpu: cpuDW,
    });
    if (!s.first) {
      const wantDX = new Float32Array(xLen);
      const cpuDX = timeCpu(() => cpuConv.conv2dBackwardInputAsConv(wantDX, dY, wb, x, g, s.act));
      const dX = storageBuffer(d, 'dX', xLen * 4);
      const flipped = storageBuffer(d, 'flipped', g.IC * g.KH * g.KW * g.OC * 4);
      const dxs = await conv2dBackwardInputImplicit(k, variant, dX, flipped, bdY, bwb, bx, g, s.act, `${where} backward input`);
      d.queue.writeBuffer(dX, 0, poison(xLen));
      const tX = await checkedTiming(ctx, dxs, async () => validate(`${where} backward input (conv_gemm)`, await readFloats(d, dX, xLen), wantDX));
      out_.push({
        kernel: 'conv backward input, no im2col', shape: `${where} ${xLen / g.IC}×${cols}·${cols}×${g.IC}`, work: 2 * rows * cols * g.OC, unit: 'GFLOP/s',
        gpu: { gpu: { ...tX, ran: `flip + ${ran(dxs[1])}` } }, cpu: cpuDX,
      });
      dxs.forEach(destroyDispatch);
      dX.destroy();
      flipped.destroy();
    }
    [...fwd, ...dw].forEach(destroyDispatch);
  }
  [toCol, fwdIm2col, matmul, ...dwDispatches].forEach(destroyDispatch);
  for (const b of [bx, bwb, bdY, col, out, dWb, opt]) b.destroy();
  return out_;
}

async function poolRows(k: KernelCache, ctx: GpuContext, net: string, s: Extract<FeatureStage, { kind: 'pool' }>): Promise<KernelRow[]> {
  const d = ctx.device;
  const g = s.pool;
  const where = `${net} ${s.name}`;
  const shape = `${where}: ${describeStage(s)}`;
  const xLen = g.B * g.H * g.W * g.C;
  const n = g.B * g.OH * g.OW * g.C;
  const x = seededArray(xLen, 14, 0, 1); // ReLU'd convolution outputs
  const dY = seededArray(n, 15, -0.1, 0.1);
  const bx = storageBuffer(d, 'x', x);
  const out = storageBuffer(d, 'pooled', n * 4);
  const argmax = storageBuffer(d, 'argmax', n * 4);
  const bdY = storageBuffer(d, 'dY', dY);
  const dX = storageBuffer(d, 'dX', xLen * 4);

  const want = new Float32Array(n);
  const wantArg = new Uint32Array(n);
  const cpuF = timeCpu(() => cpuPool.maxPoolForward(want, wantArg, x, g));
  const fwd = await maxPoolForward(k, out, argmax, bx, g, `${where} forward`);
  d.queue.writeBuffer(out, 0, poison(n));
  d.queue.writeBuffer(argmax, 0, new Uint32Array(n).fill(0xffffffff));
  const tF = await checkedTiming(ctx, [fwd], async () => {
    validate(`${where} maxima`, await readFloats(d, out, n), want);
    validate(`${where} argmax`, new Uint32Array(await readBuffer(d, argmax, n * 4)), wantArg);
  });

  const wantDX = new Float32Array(xLen);
  const cpuB = timeCpu(() => cpuPool.maxPoolBackward(wantDX, dY, wantArg, x, g, s.act));
  const bwd = await maxPoolBackward(k, dX, bdY, argmax, bx, g, s.act, `${where} backward`);
  d.queue.writeBuffer(dX, 0, poison(xLen));
  const tB = await checkedTiming(ctx, [bwd], async () => validate(`${where} backward`, await readFloats(d, dX, xLen), wantDX));
  [fwd, bwd].forEach(destroyDispatch);
  for (const b of [bx, out, argmax, bdY, dX]) b.destroy();
  return [
    { kernel: 'maxpool_forward', shape, work: (xLen + 2 * n) * 4, unit: 'GB/s', gpu: { gpu: { ...tF, ran: 'maxpool_forward' } }, cpu: cpuF },
    { kernel: 'maxpool_backward', shape, work: (2 * n + 2 * xLen) * 4, unit: 'GB/s', gpu: { gpu: { ...tB, ran: maxPoolBackwardKernel(g) } }, cpu: cpuB },
  ];
}

/** One Adam step (t = 1) over the preset's whole parameter buffer, from m = v = 0. */
async function adamRow(k: KernelCache, ctx: GpuContext, net: CnnPreset): Promise<KernelRow> {
  const d = ctx.device;
  const layout = paramLayout(PRESETS[net].model);
  const n = layout.total;
  const lr = 1e-3;
  const params = seededArray(n, 16);
  const grads = seededArray(n, 17, -0.01, 0.01);
  const want = { p: Float32Array.from(params), m: new Float32Array(n), v: new Float32Array(n) };
  cpuAdam(want.p, want.m, want.v, grads, layout, lr, 0, ADAM_DEFAULTS, 1);
  const cpuState = { p: Float32Array.from(params), m: new Float32Array(n), v: new Float32Array(n) };
  const cpu = timeCpu(() => cpuAdam(cpuState.p, cpuState.m, cpuState.v, grads, layout, lr, 0, ADAM_DEFAULTS, 1));
  const p = storageBuffer(d, 'params', params);
  const m = storageBuffer(d, 'm', n * 4);
  const v = storageBuffer(d, 'v', n * 4);
  const g = storageBuffer(d, 'grads', grads);
  const opt = optimizerBuffer(d, layout, lr, 0, 0);
  d.queue.writeBuffer(opt, 0, optimizerWords(layout, lr, 0, 0, { ...ADAM_DEFAULTS, t0: 0 }));
  const step = await adamUpdate(k, p, m, v, g, opt, n, stepBindGroup(k, d, lr));
  // Checked after one step; then timed (later steps keep t = 1 and move m, v on: the same work).
  const t = await checkedTiming(ctx, [step], async () => {
    validate(`${net} adam params`, await readFloats(d, p, n), want.p);
    validate(`${net} adam m`, await readFloats(d, m, n), want.m);
    validate(`${net} adam v`, await readFloats(d, v, n), want.v);
  });
  destroyDispatch(step);
  for (const b of [p, m, v, g, opt]) b.destroy();
  return { kernel: 'adam_update', shape: `${net}, ${layout.count} params`, work: layout.count * 28, unit: 'GB/s', gpu: { gpu: { ...t, ran: 'adam_update' } }, cpu };
}

/** Every row of both presets at batch `batch` (the presets' own: 100). */
export async function cnnKernelTable(ctx: GpuContext, batch = 100): Promise<KernelRow[]> {
  const k = new KernelCache(ctx);
  const choice = defaultVariant(ctx);
  // On GPUs the trainer's default is the autotuner: the bench runs what it would choose.
  const variant: MatmulChoice | MatmulPolicy = choice === 'auto' ? { variant: choice, planner: createAutotuner(k, createTuner(ctx, fileStore())) } : choice;
  const rows: KernelRow[] = [];
  for (const net of CNN_PRESETS) {
    for (const s of convPoolStages(PRESETS[net].model, batch)) {
      rows.push(...(s.kind === 'conv' ? await convRows(k, ctx, net, s, variant) : await poolRows(k, ctx, net, s)));
    }
    rows.push(await adamRow(k, ctx, net));
  }
  return rows;
}

export function formatCnnKernelTable(rows: KernelRow[], batch = 100): string {
  const cell = (r: KernelRow, t: { mean: number; sd: number }) => `${fmtMs(t.mean, t.sd)} ms, ${fmtRate(r.work / (t.mean * 1e6))}`;
  return table(
    ['kernel', `shape (batch ${batch})`, 'unit', 'GPU, as the trainer runs it', 'CPU reference', 'GPU / CPU'],
    rows.map((r) => {
      const t = r.gpu.gpu;
      return [r.kernel, r.shape, r.unit, `${cell(r, t)} (${t.ran})`, cell(r, r.cpu), `${(r.cpu.mean / t.mean).toFixed(1)}×`];
    }),
    (c) => c > 2,
  );
}
