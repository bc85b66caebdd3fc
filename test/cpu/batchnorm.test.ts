/**
 * Batch normalization on the CPU: its backward pass against centred finite differences in
 * float64 (the batch statistics depend on x, so the check covers their gradient too, and
 * the previous layer's act′ that the backward pass fuses); the running averages a training
 * step leaves (momentum 0.1, unbiased variance, as PyTorch) and the evaluation forward pass
 * that reads them; the --arch token; and the refusal of one value per channel.
 */
import { describe, expect, it } from 'vitest';
import { activate } from '../../src/cpu/activations.ts';
import { BN_EPS, batchnormBackward, batchnormForward, batchnormStats } from '../../src/cpu/batchnorm.ts';
import { CpuWorkspace, forwardNetwork } from '../../src/cpu/network.ts';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { architectureText, parseNetwork } from '../../src/model/arch.ts';
import { initParams } from '../../src/model/init.ts';
import { initState, stateViews } from '../../src/model/param-block.ts';
import { resolveNetwork } from '../../src/model/network.ts';
import { PRESETS, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { seededArray } from '../helpers/compare.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const H = 1e-6;
// float64 centred differences: truncation O(h²), rounding ≈ ε/h relative (as gradcheck.test.ts).
const MAX_REL_ERROR = 1e-6;

/**
 * x = sigmoid(z) (the previous layer's output), y = tanh(BN(x)), L = Σ c·y: the analytic
 * gradients of z, γ and β against differences of L.
 */
function check(N: number, C: number): number {
  const z = Float64Array.from(seededArray(N * C, 5 + N, -2, 2));
  const wb = Float64Array.from(seededArray(2 * C, 6 + C, 0.5, 1.5));
  const c = Float64Array.from(seededArray(N * C, 7 + N, -1, 1));
  const loss = (z: Float64Array, wb: Float64Array): number => {
    const x = z.map((v) => activate(v, 'sigmoid'));
    const stats = new Float64Array(2 * C);
    batchnormStats(stats, new Float64Array(2 * C), x, N, C);
    const y = new Float64Array(N * C);
    batchnormForward(y, x, wb, stats, N, C, 'tanh');
    return y.reduce((s, v, i) => s + c[i] * v, 0);
  };
  const x = z.map((v) => activate(v, 'sigmoid'));
  const stats = new Float64Array(2 * C);
  batchnormStats(stats, new Float64Array(2 * C), x, N, C);
  const y = new Float64Array(N * C);
  batchnormForward(y, x, wb, stats, N, C, 'tanh');
  const dY = c.map((ci, i) => ci * (1 - y[i] * y[i]));
  const [dZ, dWb] = [new Float64Array(N * C), new Float64Array(2 * C)];
  batchnormBackward(dZ, dWb, x, dY, wb, stats, N, C, 'sigmoid');

  let worst = 0;
  const compare = (analytic: number, plus: number, minus: number) => {
    const numeric = (plus - minus) / (2 * H);
    worst = Math.max(worst, Math.abs(analytic - numeric) / Math.max(1e-3, Math.abs(analytic) + Math.abs(numeric)));
  };
  const nudge = (a: Float64Array, i: number, h: number) => {
    const b = a.slice();
    b[i] += h;
    return b;
  };
  for (let i = 0; i < N * C; i++) compare(dZ[i], loss(nudge(z, i, H), wb), loss(nudge(z, i, -H), wb));
  for (let i = 0; i < 2 * C; i++) compare(dWb[i], loss(z, nudge(wb, i, H)), loss(z, nudge(wb, i, -H)));
  return worst;
}

describe('batch normalization backward against float64 finite differences', () => {
  for (const [N, C] of [[6, 3], [35, 2], [2, 4], [9, 1]]) {
    it(`N=${N} C=${C}`, () => expect(check(N, C)).toBeLessThan(MAX_REL_ERROR));
  }
});

const spec = (arch: string) => ({ ...PRESETS.lecun.model, ...parseNetwork(arch) });

describe('running averages and evaluation', () => {
  it('a training forward pass moves the running mean and unbiased variance by momentum 0.1; evaluation reads them', () => {
    // Built by hand: --arch would flatten an input that no image layer reads to (30, 1, 1).
    const image = { ...PRESETS.lecun.model, input: { channels: 2, height: 3, width: 5 }, layers: [{ type: 'batchnorm' as const }, { type: 'dense' as const, units: 4 }] };
    const net = resolveNetwork(image);
    const B = 3;
    const N = B * 3 * 5;
    const C = 2;
    const params = initParams(image, 1).params;
    const state = initState(net.state);
    const ws = new CpuWorkspace(net, B, true);
    ws.x.set(seededArray(ws.x.length, 9, -1, 2));
    forwardNetwork(ws, params, undefined, state);
    const { running_mean: mean, running_var: variance } = stateViews(state, net.state.layers[0]);
    for (let c = 0; c < C; c++) {
      const v = Array.from({ length: N }, (_, r) => ws.x[r * C + c]);
      const m = v.reduce((s, a) => s + a, 0) / N;
      const unbiased = v.reduce((s, a) => s + (a - m) ** 2, 0) / (N - 1);
      expect(mean[c]).toBeCloseTo(0.1 * m, 6);
      expect(variance[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 6);
      // γ = 1, β = 0 at the start: the training output is x̂, mean 0 and biased variance 1.
      const out = Array.from({ length: N }, (_, r) => ws.out[0][r * C + c]);
      expect(out.reduce((s, a) => s + a, 0) / N).toBeCloseTo(0, 6);
      expect(out.reduce((s, a) => s + a * a, 0) / N).toBeCloseTo(1, 3);
    }

    const evalWs = new CpuWorkspace(net, B);
    evalWs.x.set(ws.x);
    const before = state.slice();
    forwardNetwork(evalWs, params, undefined, state);
    expect(Array.from(state)).toEqual(Array.from(before));
    for (let i = 0; i < N * C; i++) {
      const c = i % C;
      expect(evalWs.out[0][i]).toBeCloseTo((ws.x[i] - mean[c]) / Math.sqrt(variance[c] + BN_EPS), 5);
    }
  });

  it('the CPU trainer keeps the state apart from the parameters, and evaluates with it', async () => {
    const config: TrainConfig = { ...PRESETS.lecun, model: spec('1x28x28-conv3k5s3:identity-bn:relu-pool2-12-bn-10'), batch: 20, epochs: 1 };
    const t = new CpuTrainer(config, syntheticSplit(100, 1), syntheticSplit(40, 2));
    const fresh = await t.getLayerState();
    expect(fresh.length).toBe(128); // two blocks of 2·3 and 2·12, each on a 64-float boundary
    const r = await t.trainEpoch();
    const moved = await t.getLayerState();
    expect(moved.some((v, i) => v !== fresh[i])).toBe(true);
    await t.setLayerState(fresh);
    expect((await t.evaluate(syntheticSplit(40, 2))).loss).not.toBe(r.val.loss);
  });
});

describe('the bn token', () => {
  it('parses anywhere a per-channel layer makes sense, with an optional activation', () => {
    for (const arch of ['1x28x28-conv16k5p2-bn-pool2-120-bn-10', '1x28x28-conv6k5:identity-bn:relu-pool2-10', '784-300-bn-10', '784-bn-10']) {
      expect(architectureText(parseNetwork(arch))).toBe(arch);
    }
    const net = resolveNetwork(spec('1x28x28-conv6k5:identity-bn:relu-pool2-20-bn-10'));
    expect(net.layers.map((r) => r.act)).toEqual(['identity', 'relu', 'identity', 'relu', 'identity', 'identity']);
    expect(net.layers[1].block).toMatchObject({ C: 1, OC: 6, weights: 6, size: 12 });
    expect(net.state.layers.map((s) => [s.layer, s.size])).toEqual([[1, 12], [4, 40]]);
    expect(() => parseNetwork('784-bn4-10')).toThrow(/token "bn4"/);
  });

  it('starts with γ = 1 and β = 0 whatever the init, and running statistics 0 and 1', () => {
    const s = { ...spec('784-30-bn-10'), init: 'normal' as const };
    const { params, layout } = initParams(s, 3);
    const bn = layout.layers[1];
    expect(Array.from(params.subarray(bn.offset, bn.offset + bn.size))).toEqual([...new Array(30).fill(1), ...new Array(30).fill(0)]);
    const state = initState(resolveNetwork(s).state);
    expect(Array.from(state.subarray(0, 60))).toEqual([...new Array(30).fill(0), ...new Array(30).fill(1)]);
  });

  it('refuses to train one value per channel (batch 1 after a dense layer), as PyTorch does', () => {
    const config: TrainConfig = { ...PRESETS.lecun, model: spec('784-30-bn-10'), batch: 1 };
    expect(() => validateConfig(config, 784, 10, 100)).toThrow(/batch normalization \(layer 2\) sees one value per channel at batch size 1/);
    expect(() => validateConfig({ ...config, model: spec('1x28x28-conv2k5-bn-10') }, 784, 10, 100)).not.toThrow();
    // Evaluating such a model (wgtrain eval and the page run it at batch 1) uses the running statistics: allowed.
    expect(() => validateConfig(config, 784, 10, 100, undefined, 'evaluate')).not.toThrow();
  });
});
