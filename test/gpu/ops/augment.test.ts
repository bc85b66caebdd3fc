/**
 * Augmentation in the gather: the kernels against their CPU twin on awkward shapes (5×7,
 * 28×28, 3×11×13, batch 1), identity parameters giving the plain gather back bit for bit, a
 * 90° rotation of a known image, and the distribution of the shifts the GPU applies.
 */
import { describe, expect, it } from 'vitest';
import { affineDraw, augmentBatch, type AffineRanges, type AugmentParams, type ImageShape } from '../../../src/cpu/augment.ts';
import { gatherBatch as cpuGather } from '../../../src/cpu/gather.ts';
import { packBytes, readBuffer, readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { augmentBatch as gpuAugment } from '../../../src/gpu/ops/augment.ts';
import { gatherBatch as gpuGather } from '../../../src/gpu/ops/gather.ts';
import { optimizerBuffer, optimizerWords } from '../../../src/gpu/ops/update.ts';
import type { KernelCache } from '../../../src/gpu/kernels.ts';
import { denseNetwork } from '../../../src/model/arch.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { expectClose } from '../../helpers/compare.ts';
import { poisoned, run, testKernels } from '../../helpers/gpu.ts';

/**
 * GPU vs CPU: the transforms' sin, cos, tan and exp differ in the last bits between WGSL and
 * JavaScript, which moves a sample point by ~1e-6 px; a pixel then moves by at most that
 * times the steepest step between neighbours (1): 1e-4 leaves two orders of margin.
 */
const TOL = { atol: 1e-4, rtol: 1e-4 };
const deg = (d: number) => (d * Math.PI) / 180;
const AFFINE: AffineRanges = { rotate: [deg(-20), deg(20)], scale: [0.85, 1.15], shear: [deg(-10), deg(10)], shift: [-2.5, 2.5] };
const IDENTITY: AffineRanges = { rotate: [0, 0], scale: [1, 1], shear: [0, 0], shift: [0, 0] };
const STEPS = 7;
const EPOCH = 3;

/** A seeded image set: N images of C×H×W bytes, some dark, labels 0..9. */
function images(N: number, { C, H, W }: ImageShape): { images: Uint8Array; labels: Uint8Array } {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  return {
    images: Uint8Array.from({ length: N * C * H * W }, () => { const v = next(); return v < 90 ? 0 : v; }),
    labels: Uint8Array.from({ length: N }, (_, i) => i % 10),
  };
}

/** The GPU's augmented batch (rows indices[start ..]), in step slot 1 of epoch EPOCH. */
async function gpuBatch(
  k: KernelCache, data: { images: Uint8Array; labels: Uint8Array }, indices: Uint32Array, start: number, B: number, shape: ImageShape, p: AugmentParams,
): Promise<{ x: Float32Array; y: Uint32Array }> {
  const d = k.device;
  const layout = paramLayout(denseNetwork([4, 4]));
  const opt = optimizerBuffer(d, layout, 0.1, 0, 0);
  d.queue.writeBuffer(opt, 0, optimizerWords(layout, 0.1, 0, 0, { beta1: 0.9, beta2: 0.999, eps: 1e-8, t0: (EPOCH - 1) * p.stepsPerEpoch }));
  const stepBuffer = d.createBuffer({ size: 512, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(stepBuffer.getMappedRange()).set([1, start], 64);
  stepBuffer.unmap();
  const P = shape.C * shape.H * shape.W;
  const x = poisoned(d, 'x', B * P);
  const y = storageBuffer(d, 'y', new Uint32Array(B).fill(99));
  const dispatches = await gpuAugment(
    k, x, y, storageBuffer(d, 'images', packBytes(data.images)), storageBuffer(d, 'labels', packBytes(data.labels)),
    storageBuffer(d, 'indices', indices), B, shape, p, opt, k.stepBindGroup(stepBuffer, 'steps'),
  );
  await run(d, dispatches, 256);
  return { x: await readFloats(d, x, B * P), y: new Uint32Array(await readBuffer(d, y, B * 4)) };
}

function cpuBatch(data: { images: Uint8Array; labels: Uint8Array }, indices: Uint32Array, start: number, B: number, shape: ImageShape, p: AugmentParams) {
  const P = shape.C * shape.H * shape.W;
  const [x, y] = [new Float32Array(B * P), new Uint32Array(B)];
  const pixels = B * shape.H * shape.W * 2;
  augmentBatch(x, y, data.images, data.labels, indices, start, B, shape, p, EPOCH, { tmp: new Float32Array(pixels), field: new Float32Array(pixels) });
  return { x, y };
}

describe('augmentation kernels', () => {
  const cases: [string, ImageShape, number, Partial<AugmentParams>][] = [
    ['5×7, batch 1, affine and elastic', { C: 1, H: 5, W: 7 }, 1, { affine: AFFINE, elastic: { sigma: 1.5, alpha: 4 } }],
    ['28×28, batch 3, affine', { C: 1, H: 28, W: 28 }, 3, { affine: AFFINE }],
    ['28×28, batch 2, elastic (σ 4, α 34)', { C: 1, H: 28, W: 28 }, 2, { elastic: { sigma: 4, alpha: 34 } }],
    ['3×11×13, batch 2, affine and elastic', { C: 3, H: 11, W: 13 }, 2, { affine: AFFINE, elastic: { sigma: 2, alpha: 8 } }],
  ];
  for (const [name, shape, B, parts] of cases) {
    it(`the kernels match their CPU twin: ${name}`, async () => {
      const k = await testKernels();
      const data = images(9, shape);
      const indices = Uint32Array.from([8, 3, 5, 0, 7, 1]);
      const p: AugmentParams = { seed: 0xc0ffee, stepsPerEpoch: STEPS, affine: null, elastic: null, ...parts };
      const gpu = await gpuBatch(k, data, indices, 2, B, shape, p);
      const cpu = cpuBatch(data, indices, 2, B, shape, p);
      expectClose('augmented x', gpu.x, cpu.x, TOL);
      expect(Array.from(gpu.y)).toEqual(Array.from(cpu.y));
      // Something moved: the batch is not the plain gather.
      const plain = new Float32Array(cpu.x.length);
      cpuGather(plain, new Uint32Array(B), data.images, data.labels, indices, 2, B, shape.C * shape.H * shape.W);
      expect(cpu.x.filter((v, i) => Math.abs(v - plain[i]) > 0.05).length).toBeGreaterThan(cpu.x.length / 10);
    });
  }

  it('identity parameters give the plain gather back exactly, on the GPU and the CPU', async () => {
    const k = await testKernels();
    const d = k.device;
    const shape = { C: 2, H: 9, W: 6 };
    const P = shape.C * shape.H * shape.W;
    const B = 3;
    const data = images(5, shape);
    const indices = Uint32Array.from([4, 1, 3, 0]);
    const p: AugmentParams = { seed: 5, stepsPerEpoch: STEPS, affine: IDENTITY, elastic: { sigma: 3, alpha: 0 } };
    const gpu = await gpuBatch(k, data, indices, 1, B, shape, p);
    const stepBuffer = d.createBuffer({ size: 512, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint32Array(stepBuffer.getMappedRange()).set([1, 1], 64);
    stepBuffer.unmap();
    const x = poisoned(d, 'plain x', B * P);
    const y = storageBuffer(d, 'plain y', B * 4);
    const gather = await gpuGather(
      k, x, y, storageBuffer(d, 'images', packBytes(data.images)), storageBuffer(d, 'labels', packBytes(data.labels)),
      storageBuffer(d, 'indices', indices), B, P, k.stepBindGroup(stepBuffer, 'steps'),
    );
    await run(d, [gather], 256);
    expect(Array.from(gpu.x)).toEqual(Array.from(await readFloats(d, x, B * P)));
    const plain = new Float32Array(B * P);
    cpuGather(plain, new Uint32Array(B), data.images, data.labels, indices, 1, B, P);
    expect(Array.from(cpuBatch(data, indices, 1, B, shape, p).x)).toEqual(Array.from(plain));
  });

  it('a 90° rotation turns a known image a quarter clockwise (odd and even sizes, two channels)', async () => {
    const k = await testKernels();
    for (const n of [5, 6]) {
      const shape = { C: 2, H: n, W: n };
      const img = Uint8Array.from({ length: 2 * n * n }, (_, j) => (j * 7) % 251);
      const p: AugmentParams = {
        seed: 1, stepsPerEpoch: STEPS, elastic: null, affine: { ...IDENTITY, rotate: [Math.PI / 2, Math.PI / 2] },
      };
      const data = { images: img, labels: Uint8Array.of(4) };
      // Turned a quarter clockwise: out[r][c] = in[n − 1 − c][r], channels last as the engine keeps images.
      const want = Float32Array.from({ length: 2 * n * n }, (_, j) => {
        const [r, c, ch] = [Math.floor(j / (2 * n)), Math.floor(j / 2) % n, j % 2];
        return img[((n - 1 - c) * n + r) * 2 + ch] / 255;
      });
      const gpu = await gpuBatch(k, data, Uint32Array.of(0, 0), 1, 1, shape, p);
      expectClose(`GPU ${n}×${n} turned 90°`, gpu.x, want, { atol: 1e-5, rtol: 1e-5 });
      expectClose(`CPU ${n}×${n} turned 90°`, cpuBatch(data, Uint32Array.of(0), 0, 1, shape, p).x, want, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('the shifts the GPU applies follow the draws: uniform in ±shift, mean about 0', async () => {
    const k = await testKernels();
    const shape = { C: 1, H: 11, W: 11 };
    const N = 400;
    // Every image one bright pixel at the centre: its bilinear image's centroid is where the centre went.
    const img = new Uint8Array(N * 121);
    for (let i = 0; i < N; i++) img[i * 121 + 60] = 255;
    const shift: AffineRanges = { ...IDENTITY, shift: [-2, 2] };
    const p: AugmentParams = { seed: 77, stepsPerEpoch: STEPS, affine: shift, elastic: null };
    const indices = Uint32Array.from({ length: N }, (_, i) => i);
    const gpu = await gpuBatch(k, { images: img, labels: new Uint8Array(N) }, indices, 0, N, shape, p);
    const moved: number[] = [];
    for (let b = 0; b < N; b++) {
      let [m, sx, sy] = [0, 0, 0];
      for (let j = 0; j < 121; j++) {
        const v = gpu.x[b * 121 + j];
        [m, sx, sy] = [m + v, sx + v * (j % 11), sy + v * Math.floor(j / 11)];
      }
      const t = affineDraw(shift, p.seed, EPOCH, b);
      expect(m).toBeCloseTo(1, 5);
      expect(Math.abs(sx / m - 5 - t.tx)).toBeLessThan(1e-4);
      expect(Math.abs(sy / m - 5 - t.ty)).toBeLessThan(1e-4);
      moved.push(sx / m - 5, sy / m - 5);
    }
    const mean = moved.reduce((s, v) => s + v, 0) / moved.length;
    const sd = Math.sqrt(moved.reduce((s, v) => s + (v - mean) ** 2, 0) / moved.length);
    expect(Math.max(...moved.map(Math.abs))).toBeLessThanOrEqual(2);
    expect(Math.max(...moved.map(Math.abs))).toBeGreaterThan(1.9);
    expect(Math.abs(mean)).toBeLessThan(0.15); // sd of the mean: 1.155 / √800 ≈ 0.04
    expect(sd).toBeGreaterThan(1.05); // uniform on ±2: 2/√3 ≈ 1.155
    expect(sd).toBeLessThan(1.26);
  });

  it('draws are keyed by image and epoch, not by place in the batch', () => {
    const shape = { C: 1, H: 8, W: 8 };
    const data = images(4, shape);
    const p: AugmentParams = { seed: 3, stepsPerEpoch: STEPS, affine: AFFINE, elastic: { sigma: 2, alpha: 6 } };
    const { x } = cpuBatch(data, Uint32Array.of(2, 1, 2), 0, 3, shape, p);
    expect(Array.from(x.subarray(128, 192))).toEqual(Array.from(x.subarray(0, 64)));
    const next = new Float32Array(64);
    const pixels = 128;
    augmentBatch(next, new Uint32Array(1), data.images, data.labels, Uint32Array.of(2), 0, 1, shape, p, EPOCH + 1, { tmp: new Float32Array(pixels), field: new Float32Array(pixels) });
    expect(next.filter((v, j) => Math.abs(v - x[j]) > 0.05).length).toBeGreaterThan(5);
  });
});
