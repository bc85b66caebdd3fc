/** The dropout mask: the kernel and its CPU twin drop the same units, at the rate asked, fresh per step and layer. */
import { describe, expect, it } from 'vitest';
import { dropout, keepThreshold, pcgHash } from '../../../src/cpu/dropout.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { dropout as gpuDropout } from '../../../src/gpu/ops/dropout.ts';
import { optimizerBuffer, optimizerWords } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { run, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

describe('dropout', () => {
  it('pcgHash is PCG\'s RXS M XS output permutation (known values) and stays in 32 bits', () => {
    expect(pcgHash(0)).toBe(129708002);
    expect(pcgHash(1)).toBe(2831084092);
    for (const x of [0xffffffff, 12345, 2 ** 31]) expect(pcgHash(x)).toBe(pcgHash(x) >>> 0);
  });

  it('drops p of the units and scales the rest by 1/(1 − p); a new step or layer draws a new mask', () => {
    const n = 100_000;
    const ones = () => new Float32Array(n).fill(1);
    const a = ones();
    dropout(a, n, 7, 0, 1, 0.3);
    const kept = a.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / n - 0.3)).toBeLessThan(0.01);
    expect(kept[0]).toBe(Math.fround(1 / 0.7));
    const [b, c] = [ones(), ones()];
    dropout(b, n, 7, 0, 2, 0.3);
    dropout(c, n, 7, 1, 1, 0.3);
    const same = (x: Float32Array, y: Float32Array) => x.filter((v, i) => (v === 0) === (y[i] === 0)).length / n;
    expect(same(a, b)).toBeLessThan(0.65); // independent masks agree on 0.7² + 0.3² = 58% of units
    expect(same(a, c)).toBeLessThan(0.65);
    expect(keepThreshold(0)).toBe(0);
  });

  it('the GPU kernel drops exactly the units the CPU twin drops', async () => {
    const k = await testKernels();
    const d = k.device;
    const n = 5000;
    const x = Float32Array.from({ length: n }, (_, i) => (i % 13) - 6);
    const layout = paramLayout(denseNetwork([4, 4]));
    const opt = optimizerBuffer(d, layout, 0.1, 0, 0);
    d.queue.writeBuffer(opt, 0, optimizerWords(layout, 0.1, 0, 0, { beta1: 0.9, beta2: 0.999, eps: 1e-8, t0: 40 }));
    const stepBuffer = d.createBuffer({ size: 512, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
    new Uint32Array(stepBuffer.getMappedRange()).set([3, 0], 64); // step slot 1: index 3
    stepBuffer.unmap();
    const gx = storageBuffer(d, 'x', x);
    await run(d, [await gpuDropout(k, gx, n, 0xdeadbeef, 2, 0.45, opt, k.stepBindGroup(stepBuffer, 'steps'))], 256);
    const want = x.slice();
    dropout(want, n, 0xdeadbeef, 2, 40 + 3 + 1, 0.45);
    expect(Array.from(await readFloats(d, gx, n))).toEqual(Array.from(want));
  });
});
