/**
 * matmul_subgroup (K split across a workgroup, summed with subgroupAdd) in all four roles
 * against the CPU reference, on a device with WGSL subgroups: the test adapter when it has
 * them, else SwiftShader (whose subgroups have 4 invocations, so a workgroup of 64 adds 16
 * partial blocks); skipped, with the reason in the suite's name, where neither has them.
 * Also: asking for the variant on a device without `subgroups` fails and says what to use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../../../src/cpu/matmul.ts';
import type { GpuContext } from '../../../src/gpu/device.ts';
import { readFloats, storageBuffer } from '../../../src/gpu/buffers.ts';
import { KernelCache } from '../../../src/gpu/kernels.ts';
import { createAutotuner, type MatmulTuner } from '../../../src/gpu/autotune.ts';
import { ceilDiv } from '../../../src/gpu/dispatch.ts';
import { buildOwning, uniformBuffer } from '../../../src/gpu/dispatch.ts';
import { checkVariantRuns } from '../../../src/gpu/matmul-plans.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward } from '../../../src/gpu/ops/matmul.ts';
import { optimizerBuffer } from '../../../src/gpu/ops/update.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import type { Activation } from '../../../src/model/spec.ts';
import { ACTIVATION_CODE } from '../../../src/gpu/codes.ts';
import { expectClose, seededArray } from '../../helpers/compare.ts';
import { poisoned, run, subgroupGpu, testGpu, testKernels } from '../../helpers/gpu.ts';
import { denseNetwork } from '../../../src/model/arch.ts';

// As in matmul.test.ts: f32 sums of up to 1000 products of values in [-1, 1] (here in a
// different order: strided partial sums, then a tree across lanes) stay within 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-4 };

// (B, C, OC) of a dense layer; its three matmuls are M×N×K = B×OC×C (forward), B×C×OC
// (backward input) and (C+1)×OC×B (weight gradient). Sizes 1, primes and non-multiples of
// the 4 × 8 block and of the 64 invocations that split K; lecun's output layer at batch 100;
// and 65×200→130, where K runs past 64 (ragged) in all three roles: 200 = 3·64 + 8 (forward),
// 130 = 2·64 + 2 (backward input), 65 = 64 + 1 (weight gradient). The kernel has no branch on
// size beyond these (k loop, clamped rows and columns), so lecun's full layers (785×300·100
// takes 10 s on SwiftShader) check nothing more; matmul.test.ts runs them on every other variant.
const SHAPES: [B: number, C: number, OC: number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [100, 100, 10],
  [65, 200, 130],
];

const sg = await subgroupGpu();
let k: KernelCache;
beforeAll(() => {
  if (sg.ctx) k = new KernelCache(sg.ctx);
});

describe.skipIf(!sg.ctx)(`matmul_subgroup ${sg.reason}`, () => {
  for (const [B, C, OC] of SHAPES) {
    // The activation is the shared epilogue (lib/matmul_common.wgsl's finish), which
    // matmul.test.ts checks for every activation on every other variant; each ACT here is one
    // more pipeline to compile (2–3 s on SwiftShader), so relu, and sigmoid at 33 (tanh,
    // sigmoid and identity run in the split-K and workgroup-size tests below).
    const acts: Activation[] = [B === 33 ? 'sigmoid' : 'relu'];
    for (const act of acts) {
      it(`forward B=${B} C=${C} OC=${OC} ${act}`, async () => {
        const x = seededArray(B * C, 1 + B, 0, 1);
        const wb = seededArray((C + 1) * OC, 2 + C);
        const d = k.device;
        const out = poisoned(d, 'out', B * OC);
        const dispatch = await matmulForward(k, 'subgroup', out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, act);
        expect(dispatch.label).toContain('[subgroup]');
        await run(d, [dispatch]);
        const want = new Float64Array(B * OC);
        cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
        expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);
      });

      it(`backward input B=${B} C=${C} OC=${OC} ⊙ ${act}'`, async () => {
        const dY = seededArray(B * OC, 3 + OC);
        const wb = seededArray((C + 1) * OC, 4 + C);
        const aPrev = seededArray(B * C, 5, act === 'tanh' ? -1 : 0, 1); // outputs of act
        const d = k.device;
        const dX = poisoned(d, 'dX', B * C);
        const dispatch = await matmulBackwardInput(
          k, 'subgroup', dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'aPrev', aPrev), B, C, OC, act,
        );
        await run(d, [dispatch]);
        const want = new Float64Array(B * C);
        cpu.matmulBackwardInput(want, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(aPrev), B, C, OC, act);
        expectClose(`dX (${B}×${C})`, await readFloats(d, dX, B * C), want, TOL);
      });
    }

    it(`backward weight B=${B} C=${C} OC=${OC} (${C + 1}×${OC}×${B})`, async () => {
      const x = seededArray(B * C, 6, 0, 1);
      const dY = seededArray(B * OC, 7);
      const d = k.device;
      const dWb = poisoned(d, 'dWb', (C + 1) * OC);
      await run(d, [await matmulBackwardWeight(k, 'subgroup', dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC)]);
      const want = new Float64Array((C + 1) * OC);
      cpu.matmulBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
      expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), want, TOL);
    });

    it(`backward weight with SGD step B=${B} C=${C} OC=${OC}`, async () => {
      const LR = 0.3;
      const L2 = 0.01;
      const x = seededArray(B * C, 8, 0, 1);
      const dY = seededArray(B * OC, 9);
      const wb = seededArray((C + 1) * OC, 10);
      const d = k.device;
      const params = storageBuffer(d, 'wb', wb);
      const opt = optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), LR, L2, 0);
      await run(d, [await matmulBackwardWeightUpdate(k, 'subgroup', params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), opt, B, C, OC)]);
      const want = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC, LR, L2);
      expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), want, TOL);
    });
  }

  // Split-K (SPLIT, workgroup z): each workgroup sums one slice of k; splitk_reduce adds them.
  // Small shapes: SwiftShader runs this kernel 50–270× slower than vec4.
  for (const [B, C, OC, split] of [[20, 200, 24, 8], [37, 65, 67, 3], [100, 48, 40, 5]] as const) {
    it(`split-K: forward, backward input, weight gradient and SGD step B=${B} C=${C} OC=${OC} split ${split}`, async () => {
      const d = k.device;
      const x = seededArray(B * C, 11, 0, 1);
      const wb = seededArray((C + 1) * OC, 12);
      const dY = seededArray(B * OC, 13);
      const out = poisoned(d, 'out', B * OC);
      const fwd = await matmulForward(k, 'subgroup', out, storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, C, OC, 'tanh', 'forward', split);
      expect(fwd.label).toMatch(/\[subgroup, k in \d+ slices\]/);
      await run(d, [fwd]);
      const want = new Float64Array(B * OC);
      cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, 'tanh');
      expectClose(`out (${B}×${OC})`, await readFloats(d, out, B * OC), want, TOL);

      const dX = poisoned(d, 'dX', B * C);
      await run(d, [await matmulBackwardInput(k, 'subgroup', dX, storageBuffer(d, 'dY', dY), storageBuffer(d, 'wb', wb), storageBuffer(d, 'x', x), B, C, OC, 'sigmoid', 'input', split)]);
      const wantDX = new Float64Array(B * C);
      cpu.matmulBackwardInput(wantDX, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(x), B, C, OC, 'sigmoid');
      expectClose(`dX (${B}×${C})`, await readFloats(d, dX, B * C), wantDX, TOL);

      const dWb = poisoned(d, 'dWb', (C + 1) * OC);
      await run(d, [await matmulBackwardWeight(k, 'subgroup', dWb, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), B, C, OC, 'weight', split)]);
      const wantDW = new Float64Array((C + 1) * OC);
      cpu.matmulBackwardWeight(wantDW, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
      expectClose(`dWb (${C + 1}×${OC})`, await readFloats(d, dWb, (C + 1) * OC), wantDW, TOL);

      const params = storageBuffer(d, 'wb', wb);
      const opt = optimizerBuffer(d, paramLayout(denseNetwork([C, OC])), 0.3, 0.01, 0);
      await run(d, [await matmulBackwardWeightUpdate(k, 'subgroup', params, storageBuffer(d, 'x', x), storageBuffer(d, 'dY', dY), opt, B, C, OC, 'update', split)]);
      const wantWb = Float64Array.from(wb);
      cpu.matmulBackwardWeightUpdate(wantWb, Float64Array.from(x), Float64Array.from(dY), B, C, OC, 0.3, 0.01);
      expectClose(`wb (${C + 1}×${OC})`, await readFloats(d, params, (C + 1) * OC), wantWb, TOL);
    });
  }

  // Workgroup sizes other than the 64 ops.ts uses (where K < 64 already leaves invocations
  // without k): one invocation (one lane alive in a larger subgroup), 6 and 30 (a partial last
  // subgroup for sizes 4, 8, 16, 32). The kernel built directly, as matmul() would.
  for (const wgX of [1, 6, 30]) {
    it(`workgroups of ${wgX}: forward 33×17·65, backward input 33×65·17ᵀ, weight gradient [7×13ᵀ; 1]·7×5`, async () => {
      const d = k.device;
      const cases = [
        { B: 33, C: 65, OC: 17, role: 'forward' },
        { B: 33, C: 65, OC: 17, role: 'backward input' },
        { B: 7, C: 13, OC: 5, role: 'backward weight' },
      ] as const;
      for (const { B, C, OC, role } of cases) {
        const x = seededArray(B * C, 20, 0, 1);
        const wb = seededArray((C + 1) * OC, 21);
        const dY = seededArray(B * OC, 22);
        const want = new Float64Array(role === 'forward' ? B * OC : role === 'backward input' ? B * C : (C + 1) * OC);
        // M, N, K, lda, ldb, TRANS_A, TRANS_B, MODE; operands a, b, aux.
        const p = {
          forward: [B, OC, C, C, OC, false, false, 0, 'tanh', x, wb, wb],
          'backward input': [B, C, OC, OC, OC, false, true, 1, 'sigmoid', dY, wb, x],
          'backward weight': [C + 1, OC, B, C, OC, true, false, 2, 'identity', x, dY, dY],
        }[role] as [number, number, number, number, number, boolean, boolean, number, Activation, Float32Array, Float32Array, Float32Array];
        const [M, N, K, lda, ldb, transA, transB, mode, act, a, b, aux] = p;
        if (role === 'forward') cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, C, OC, act);
        if (role === 'backward input') cpu.matmulBackwardInput(want, Float64Array.from(dY), Float64Array.from(wb), Float64Array.from(x), B, C, OC, act);
        if (role === 'backward weight') cpu.matmulBackwardWeight(want, Float64Array.from(x), Float64Array.from(dY), B, C, OC);
        const out = poisoned(d, 'out', want.length);
        const overrides = { WG_X: wgX, WG_Y: 1, TRANS_A: transA, TRANS_B: transB, MODE: mode, ACT: ACTIVATION_CODE[act] };
        const dispatch = await buildOwning(
          k, 'matmul_subgroup', overrides, `subgroup WG ${wgX} ${role}`,
          [storageBuffer(d, 'a', a), storageBuffer(d, 'b', b), storageBuffer(d, 'aux', aux), out],
          uniformBuffer(d, 'dims', [M, N, K, lda, ldb, 0, 0, 0]), [ceilDiv(N, 8), ceilDiv(M, 4), 1],
        );
        await run(d, [dispatch]);
        expectClose(`${role} out (${M}×${N}), workgroups of ${wgX}`, await readFloats(d, out, want.length), want, TOL);
      }
    });
  }

  it('hands a problem whose 4-row blocks exceed the workgroup limit in y to tiled', async () => {
    const d = k.device;
    const B = 4 * d.limits.maxComputeWorkgroupsPerDimension + 1;
    const x = seededArray(B, 23);
    const wb = seededArray(2 * 3, 24);
    const dispatch = await matmulForward(k, 'subgroup', poisoned(d, 'out', B * 3), storageBuffer(d, 'x', x), storageBuffer(d, 'wb', wb), B, 1, 3, 'relu');
    expect(dispatch.label).toContain('[tiled]');
    // The tiled kernel it hands over to, on this tall problem, run on the test adapter: on
    // SwiftShader its 4,096 workgroups take 20 s (barriers are coroutine switches there).
    const kt = sg.ctx === (await testGpu()) ? k : await testKernels();
    const dt = kt.device;
    const out = poisoned(dt, 'out', B * 3);
    await run(dt, [await matmulForward(kt, 'tiled', out, storageBuffer(dt, 'x', x), storageBuffer(dt, 'wb', wb), B, 1, 3, 'relu')]);
    const want = new Float64Array(B * 3);
    cpu.matmulForward(want, Float64Array.from(x), Float64Array.from(wb), B, 1, 3, 'relu');
    expectClose(`out (${B}×3)`, await readFloats(dt, out, B * 3), want, TOL);
  });

  it('is among the autotuner\'s candidates on this device', async () => {
    const timed: string[] = [];
    const tuner = {
      choose: async <T extends string>(_key: string, candidates: T[]) => {
        timed.push(...candidates);
        return candidates[0];
      },
    };
    const kt = new KernelCache(sg.ctx!);
    await createAutotuner(kt, tuner as unknown as MatmulTuner).plan({ M: 7, N: 5, K: 13, lda: 13, ldb: 5, transA: false, transB: false, mode: 0, act: 'relu' });
    expect(timed).toContain('subgroup');
  });
});

describe('matmul_subgroup on a device without `subgroups`', () => {
  // The test adapter when it lacks the feature (llvmpipe does), else the same device described without it.
  let ctx: GpuContext;
  beforeAll(async () => {
    const t = await testGpu();
    ctx = t.hasSubgroups ? { ...t, hasSubgroups: false } : t;
  });

  it('is refused by name, saying which feature is missing and what to use instead', async () => {
    const kn = new KernelCache(ctx);
    const d = kn.device;
    const wb = storageBuffer(d, 'wb', seededArray(2 * 3, 1));
    const attempt = matmulForward(kn, 'subgroup', poisoned(d, 'out', 3), storageBuffer(d, 'x', new Float32Array([0.5])), wb, 1, 1, 3, 'relu');
    await expect(attempt).rejects.toThrow(/subgroup matmul variant needs the WebGPU feature `subgroups`, which this adapter lacks .*use --matmul auto or one of naive, blocked, vec4, tiled, tiled32/);
    expect(() => checkVariantRuns(ctx, 'subgroup')).toThrow(/lacks/);
    expect(() => checkVariantRuns(ctx, 'tiled')).not.toThrow();
  });

  it('is not among the autotuner\'s candidates', async () => {
    const timed: string[] = [];
    const kn = new KernelCache(ctx);
    const tuner = {
      choose: async <T extends string>(_key: string, candidates: T[]) => {
        timed.push(...candidates);
        return candidates[0];
      },
    } as unknown as MatmulTuner;
    await createAutotuner(kn, tuner).plan({ M: 7, N: 5, K: 13, lda: 13, ldb: 5, transA: false, transB: false, mode: 0, act: 'relu' });
    expect(timed).toEqual(['naive', 'blocked', 'tiled', 'tiled32']);
  });
});
