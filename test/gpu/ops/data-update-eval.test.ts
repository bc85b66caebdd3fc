/** gather_batch, sgd_update (with and without MOMENTUM) and evaluate against the CPU reference. */
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherBatch as cpuGather, gatherBatchBytes as cpuGatherBytes } from '../../../src/cpu/gather.ts';
import { evaluateRows as cpuEvaluate } from '../../../src/cpu/loss.ts';
import { sgdMomentumUpdate as cpuMomentum, sgdUpdate as cpuSgd } from '../../../src/cpu/update.ts';
import { packBytes, readBuffer, readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { STEP_LR_WORD, STEP_SLOT_BYTES, type KernelCache } from '../../../src/gpu/kernels.ts';
import { evaluateRows } from '../../../src/gpu/ops/evaluate.ts';
import { gatherBatch } from '../../../src/gpu/ops/gather.ts';
import { optimizerBuffer, sgdMomentumUpdate, sgdUpdate } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

// One multiply-add per element in f32 against float64.
const UPDATE_TOL = { atol: 1e-6, rtol: 1e-6 };
const EXACT = { atol: 0, rtol: 0 };

let k: KernelCache;
beforeAll(async () => {
  k = await testKernels();
});

function uniformWords(d: GPUDevice, words: Uint32Array): GPUBuffer {
  const b = d.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(b.getMappedRange()).set(words);
  b.unmap();
  return b;
}

describe('gather_batch', () => {
  // P = 13 makes images straddle u32 words; N = 37 odd; start > 0 exercises the step slot.
  // P = 784 takes gather_batch_vec4; 13 the per-byte gather_batch.
  for (const [N, P, B, start] of [
    [37, 13, 7, 5],
    [10, 784, 1, 9],
    [300, 784, 100, 200],
  ]) {
    it(`N=${N} P=${P} B=${B} from index ${start}`, async () => {
      const d = k.device;
      const images = Uint8Array.from(seededArray(N * P, 21, 0, 256), Math.floor);
      const labels = Uint8Array.from(seededArray(N, 22, 0, 10), Math.floor);
      const indices = Uint32Array.from(seededArray(N, 23, 0, N), Math.floor);
      const slot = new Uint32Array(STEP_SLOT_BYTES / 4 + 4);
      slot[STEP_SLOT_BYTES / 4 + 1] = start; // slot 1: {index: 0, start}
      const step = k.stepBindGroup(uniformWords(d, slot), 'step');
      const x = poisoned(d, 'x', B * P);
      const y = storageBuffer(d, 'y', new Uint32Array(B).fill(0xdeadbeef));
      const dispatch = await gatherBatch(
        k, x, y, storageBuffer(d, 'images', packBytes(images)), storageBuffer(d, 'labels', packBytes(labels)),
        storageBuffer(d, 'indices', indices), B, P, step,
      );
      await run(d, [dispatch], STEP_SLOT_BYTES);
      const wantX = new Float64Array(B * P);
      const wantY = new Uint32Array(B);
      cpuGather(wantX, wantY, images, labels, indices, start, B, P);
      expectClose('x', await readFloats(d, x, B * P), wantX, { atol: 1e-7, rtol: 0 });
      expectClose('y', new Uint32Array(await readBuffer(d, y, B * 4)), wantY, EXACT);
    });
  }
});

describe('gather_batch_u8 (the batch kept as bytes)', () => {
  for (const [N, P, B, start] of [
    [10, 784, 1, 9],
    [300, 784, 100, 200],
    [37, 16, 7, 5],
    [5, 48, 3, 1],
  ]) {
    it(`N=${N} P=${P} B=${B} from index ${start}`, async () => {
      const d = k.device;
      const images = Uint8Array.from(seededArray(N * P, 24, 0, 256), Math.floor);
      const labels = Uint8Array.from(seededArray(N, 25, 0, 10), Math.floor);
      const indices = Uint32Array.from(seededArray(N, 26, 0, N), Math.floor);
      const slot = new Uint32Array(STEP_SLOT_BYTES / 4 + 4);
      slot[STEP_SLOT_BYTES / 4 + 1] = start;
      const step = k.stepBindGroup(uniformWords(d, slot), 'step');
      const x = storageBuffer(d, 'x', new Uint32Array((B * P) / 4).fill(0xdeadbeef));
      const y = storageBuffer(d, 'y', new Uint32Array(B).fill(0xdeadbeef));
      const dispatch = await gatherBatch(
        k, { bytes: x }, y, storageBuffer(d, 'images', packBytes(images)), storageBuffer(d, 'labels', packBytes(labels)),
        storageBuffer(d, 'indices', indices), B, P, step,
      );
      await run(d, [dispatch], STEP_SLOT_BYTES);
      const wantX = new Uint8Array(B * P);
      const wantY = new Uint32Array(B);
      cpuGatherBytes(wantX, wantY, images, labels, indices, start, B, P);
      expectClose('x', new Uint8Array(await readBuffer(d, x, B * P)), wantX, EXACT);
      expectClose('y', new Uint32Array(await readBuffer(d, y, B * 4)), wantY, EXACT);
    });
  }
});

describe('parameter updates', () => {
  const spec = denseNetwork([9, 7, 3]); // blocks of 70 and 24 floats with padding between
  const layout = paramLayout(spec);
  const n = layout.total;
  const params = seededArray(n, 31);
  const grads = seededArray(n, 32);
  // Padding must stay untouched: mark it so a write shows.
  const { offset, size } = layout.layers[0];
  for (let i = offset + size; i < layout.layers[1].offset; i++) params[i] = 7;

  /** Step slots 0 and 1 with learning rates lr0 and lr1 (the update kernels read the step's rate). */
  function rateSlots(lr0: number, lr1: number): GPUBindGroup {
    const slots = new Uint32Array(STEP_SLOT_BYTES / 4 + 4);
    const f32 = new Float32Array(slots.buffer);
    f32[STEP_LR_WORD] = lr0;
    f32[STEP_SLOT_BYTES / 4 + STEP_LR_WORD] = lr1;
    return k.stepBindGroup(uniformWords(k.device, slots), 'rates');
  }

  it("sgd_update decays weights only, leaves padding and steps at the step slot's rate", async () => {
    const d = k.device;
    const p = storageBuffer(d, 'params', params);
    // The optimiser buffer's lr (the fused paths' epoch rate) must not be the one used.
    const dispatch = await sgdUpdate(k, p, storageBuffer(d, 'grads', grads), optimizerBuffer(d, layout, 5, 0.01, 0), n, rateSlots(7, 0.1));
    await run(d, [dispatch], STEP_SLOT_BYTES);
    const want = Float64Array.from(params);
    cpuSgd(want, Float64Array.from(grads), layout, 0.1, 0.01);
    const got = await readFloats(d, p, n);
    expectClose('params', got, want, UPDATE_TOL);
    expect(got[offset + size]).toBe(7);
  });

  it('sgd_momentum_update over two steps', async () => {
    const d = k.device;
    const p = storageBuffer(d, 'params', params);
    const v = storageBuffer(d, 'velocity', new Float32Array(n));
    const g = storageBuffer(d, 'grads', grads);
    const dispatch = await sgdMomentumUpdate(k, p, v, g, optimizerBuffer(d, layout, 5, 1e-3, 0.9), n, rateSlots(0.05, 0.02));
    await run(d, [dispatch]);
    await run(d, [dispatch], STEP_SLOT_BYTES);
    const want = Float64Array.from(params);
    const wantV = new Float64Array(n);
    for (const lr of [0.05, 0.02]) cpuMomentum(want, wantV, Float64Array.from(grads), layout, lr, 1e-3, 0.9);
    expectClose('params', await readFloats(d, p, n), want, UPDATE_TOL);
    expectClose('velocity', await readFloats(d, v, n), wantV, UPDATE_TOL);
  });
});

describe('evaluate', () => {
  for (const loss of ['cross-entropy', 'quadratic'] as const) {
    it(`${loss}: predictions and per-row loss at an offset`, async () => {
      const d = k.device;
      const B = 33;
      const K = 10;
      const offset = 5;
      const out = seededArray(B * K, 41, loss === 'quadratic' ? 0 : -6, loss === 'quadratic' ? 1 : 6);
      const labels = Uint32Array.from(seededArray(B, 42, 0, K), Math.floor);
      const preds = storageBuffer(d, 'preds', new Uint32Array(B + offset).fill(99));
      const rowLoss = poisoned(d, 'rowLoss', B + offset);
      const dispatch = await evaluateRows(
        k, preds, rowLoss, storageBuffer(d, 'out', out), storageBuffer(d, 'labels', labels), B, K, offset, loss,
      );
      await run(d, [dispatch]);
      const wantPreds = new Uint32Array(B);
      const wantLoss = new Float64Array(B);
      cpuEvaluate(wantPreds, wantLoss, Float64Array.from(out), labels, B, K, loss);
      const gotPreds = new Uint32Array(await readBuffer(d, preds, (B + offset) * 4));
      expectClose('preds', gotPreds.subarray(offset), wantPreds, EXACT);
      expect(gotPreds[offset - 1], 'rows before the offset stay untouched').toBe(99);
      expectClose('rowLoss', (await readFloats(d, rowLoss, B + offset)).subarray(offset), wantLoss, { atol: 1e-5, rtol: 1e-4 });
    });
  }
});
