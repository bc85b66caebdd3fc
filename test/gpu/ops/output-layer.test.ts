/**
 * output_layer (the output layer, its loss and dH in one kernel) against its CPU twin
 * (src/cpu/output-layer.ts) on awkward shapes, every previous activation, both losses;
 * every output poisoned with NaN first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { activate } from '../../../src/cpu/activations.ts';
import * as cpu from '../../../src/cpu/output-layer.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { STEP_SLOT_BYTES, type KernelCache } from '../../../src/gpu/kernels.ts';
import { outputGeometry, outputLayer, outputLayerFits, type OutputGeometry } from '../../../src/gpu/ops/output-layer.ts';
import { OPTIMIZER_BYTES, optimizerWords } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { ACTIVATIONS, type Activation, type Loss } from '../../../src/model/spec.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

// z and out: f32 sums of ≤ 101 products of magnitude ≤ 1 in a different order from the
// float64 twin (a few ulps of the terms each), then exp/log good to a few ulps.
const OUT_TOL = { atol: 1e-5, rtol: 1e-4 };
// dZ and dH carry the 1/B of the mean loss: the same relative error on values B times smaller.
const gradTol = (B: number) => ({ atol: 1e-5 / B, rtol: 1e-4 });
// Per-row loss (magnitude ≲ 10) and the 0/1 correct flag.
const STATS_TOL = { atol: 1e-5, rtol: 1e-4 };

/** The step slot the tests dispatch with, and the step index it names: rows of other steps stay NaN. */
const SLOT = 1;
const STEP_INDEX = 2;
const STEPS = 3;

let k: KernelCache;
let step: GPUBindGroup;
beforeAll(async () => {
  k = await testKernels();
  const words = new Uint32Array(((SLOT + 1) * STEP_SLOT_BYTES) / 4);
  words[(SLOT * STEP_SLOT_BYTES) / 4] = STEP_INDEX;
  const buffer = k.device.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  step = k.stepBindGroup(buffer, 'step');
});

interface Case {
  B: number;
  C: number;
  K: number;
  loss: Loss;
  actOut: Activation;
  /** The previous layer's activation, or null: no dH (the layer reads the image batch). */
  actPrev: Activation | null;
  /** How the rows and dH's columns are spread over workgroups; default: outputGeometry's. */
  geometry?: OutputGeometry;
  /** The previous layer's dropout, applied to dH. */
  drop?: { seed: number; layer: number; p: number };
}

/** The step's 1-based number in the run as the kernels count it: opt.t0 + step.index + 1. */
const T0 = 40;

async function check({ B, C, K, loss, actOut, actPrev, geometry, drop }: Case): Promise<void> {
  const d = k.device;
  const seed = B * 7 + C * 3 + K;
  // h is a real activation's output (relu's zeros, step's 0/1, sigmoid in (0, 1), …).
  const h = seededArray(B * C, seed, -3, 3).map((z) => activate(z, actPrev ?? 'identity'));
  const wb = seededArray((C + 1) * K, seed + 1, -0.5, 0.5);
  const labels = Uint32Array.from(seededArray(B, seed + 2, 0, K), Math.floor);
  const out = poisoned(d, 'out', B * K);
  const dZ = poisoned(d, 'dZ', B * K);
  const dH = actPrev ? poisoned(d, 'dH', B * C) : null;
  const rowStats = poisoned(d, 'rowStats', 2 * B * STEPS);
  const inputs = [storageBuffer(d, 'h', h), storageBuffer(d, 'wb', wb), storageBuffer(d, 'labels', labels)];
  const opt = d.createBuffer({ size: OPTIMIZER_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  d.queue.writeBuffer(opt, 0, optimizerWords(paramLayout(denseNetwork([C, K])), 0.1, 0, 0, { beta1: 0, beta2: 0, eps: 0, t0: T0 }));
  const dispatch = await outputLayer(k, out, dZ, dH, rowStats, inputs[0], inputs[1], inputs[2], B, C, K, loss, actOut, actPrev ?? 'identity', step, 'outputLayer', { geometry, dropout: drop && { ...drop, opt } });
  await run(d, [dispatch], SLOT * STEP_SLOT_BYTES);

  const want = { out: new Float64Array(B * K), dZ: new Float64Array(B * K), dH: new Float64Array(B * C), rowStats: new Float64Array(2 * B) };
  cpu.outputLayer(want.out, want.dZ, actPrev ? want.dH : null, want.rowStats, Float64Array.from(h), Float64Array.from(wb), labels, B, C, K, loss, actOut, actPrev ?? 'identity', drop && { ...drop, t: T0 + STEP_INDEX + 1 });
  expectClose('out', await readFloats(d, out, B * K), want.out, OUT_TOL);
  expectClose('dZ', await readFloats(d, dZ, B * K), want.dZ, gradTol(B));
  if (dH) expectClose('dH', await readFloats(d, dH, B * C), want.dH, gradTol(B));
  const stats = await readFloats(d, rowStats, 2 * B * STEPS);
  expectClose(`rowStats of step ${STEP_INDEX}`, stats.subarray(2 * B * STEP_INDEX), want.rowStats, STATS_TOL);
  expect(stats.subarray(0, 2 * B * STEP_INDEX).every(Number.isNaN), 'rows of other steps stay untouched').toBe(true);
  if (drop) {
    const dropped = (await readFloats(d, dH!, B * C)).filter((v) => v === 0).length / (B * C);
    // At least the dropped units are 0 (relu's and step's zero derivatives add more).
    expect(dropped, `fraction of dH that is 0, p = ${drop.p}`).toBeGreaterThan(drop.p - 0.1);
  }
  for (const b of [out, dZ, dH, rowStats, opt, ...inputs]) b?.destroy();
}

// B: 1, prime, the presets' 100, ~1000; C: 3, prime-ish, 100 (lecun), 101; K: 1, 10, 17, 99.
const SHAPES: [B: number, C: number, K: number][] = [
  [1, 3, 10],
  [1, 101, 17],
  [7, 30, 10],
  [7, 100, 1],
  [100, 100, 10],
  [100, 101, 17],
  [13, 101, 99],
  [1000, 30, 10],
  [997, 101, 17],
];

describe('output_layer vs CPU, awkward shapes', () => {
  SHAPES.forEach(([B, C, K], i) => {
    // The previous activation rotates through all of them over the shapes.
    const actPrev = ACTIVATIONS[i % ACTIVATIONS.length];
    it(`B=${B} C=${C} K=${K}, softmax cross-entropy, previous ${actPrev}`, async () => {
      await check({ B, C, K, loss: 'cross-entropy', actOut: 'identity', actPrev });
    });
    it(`B=${B} C=${C} K=${K}, sigmoid + quadratic cost, previous ${actPrev}`, async () => {
      await check({ B, C, K, loss: 'quadratic', actOut: 'sigmoid', actPrev });
    });
    // Workgroups looping over rows (G < B), and dH in up to 5 slices of a row.
    const geometry = { S: Math.min(C, 5), G: Math.min(B, 3) };
    it(`B=${B} C=${C} K=${K}, softmax cross-entropy, previous ${actPrev}, S=${geometry.S} G=${geometry.G}`, async () => {
      await check({ B, C, K, loss: 'cross-entropy', actOut: 'identity', actPrev, geometry });
    });
  });
});

describe('output_layer vs CPU, every previous activation (lecun shape B=100 C=100 K=10)', () => {
  for (const actPrev of ACTIVATIONS) {
    for (const loss of ['cross-entropy', 'quadratic'] as const) {
      it(`${loss}, previous ${actPrev}`, async () => {
        await check({ B: 100, C: 100, K: 10, loss, actOut: 'sigmoid', actPrev });
      });
    }
  }
});

describe('output_layer vs CPU, other cases', () => {
  it('the default geometry: one workgroup row per batch row, dH in slices at small batches', () => {
    expect(outputGeometry(100, 100, true)).toEqual({ S: 3, G: 100 });
    expect(outputGeometry(1000, 100, true)).toEqual({ S: 1, G: 1000 });
    expect(outputGeometry(100, 100, false)).toEqual({ S: 1, G: 100 });
    expect(outputGeometry(1, 30, true)).toEqual({ S: 1, G: 1 });
  });
  for (const actOut of ['tanh', 'identity', 'relu', 'softplus'] as const) {
    it(`quadratic cost with a ${actOut} output`, async () => {
      await check({ B: 7, C: 30, K: 10, loss: 'quadratic', actOut, actPrev: 'sigmoid' });
    });
  }
  for (const [B, C, actPrev, p] of [[100, 100, 'relu', 0.4], [7, 101, 'sigmoid', 0.2], [1000, 30, 'tanh', 0.5]] as const) {
    it(`the previous layer's dropout (p = ${p}) on dH, B=${B} C=${C}, previous ${actPrev}`, async () => {
      await check({ B, C, K: 10, loss: 'cross-entropy', actOut: 'identity', actPrev, drop: { seed: 1234 + B, layer: 1, p } });
    });
  }
  it('no dH: the layer reads the image batch (a 784-10 network)', async () => {
    await check({ B: 100, C: 784, K: 10, loss: 'cross-entropy', actOut: 'identity', actPrev: null });
  });
  it('K = 200: one partial sum per class (Q = 1), 256 invocations', async () => {
    await check({ B: 5, C: 40, K: 200, loss: 'cross-entropy', actOut: 'identity', actPrev: 'relu' });
  });
  it('refuses more classes than a workgroup has invocations, saying what fits', async () => {
    const max = k.device.limits.maxComputeInvocationsPerWorkgroup;
    expect(outputLayerFits(k.device, max)).toBe(true);
    expect(outputLayerFits(k.device, max + 1)).toBe(false);
    const b = storageBuffer(k.device, 'b', 16);
    await expect(outputLayer(k, b, b, b, b, b, b, b, 1, 1, max + 1, 'cross-entropy', 'identity', 'identity', step)).rejects.toThrow(/1 to \d+ classes.*K = \d+ \(outputLayerFits\)/);
    b.destroy();
  });
});
