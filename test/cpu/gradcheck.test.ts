/**
 * The CPU reference's backward pass against centred finite differences, in float64.
 * For every activation (step excluded: its straight-through derivative is deliberately
 * not the true gradient, which is 0 almost everywhere) and both losses, every parameter's
 * analytic gradient of the batch-mean loss must match (L(θ + h) − L(θ − h)) / 2h.
 */
import { describe, expect, it } from 'vitest';
import { quadraticCost, softmaxCrossEntropy } from '../../src/cpu/loss.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from '../../src/cpu/matmul.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { layerActivation } from '../../src/model/network.ts';
import { ACTIVATIONS, type Activation, type Loss, type ModelSpec } from '../../src/model/spec.ts';
import { seededArray } from '../helpers/compare.ts';
import { denseNetwork } from '../../src/model/arch.ts';
import { denseSizes } from '../helpers/sizes.ts';

const H = 1e-6;
// float64 centred differences: truncation O(h²) ≈ 1e-12, rounding ≈ ε/h ≈ 1e-10 relative.
const MAX_REL_ERROR = 1e-6;

function network(spec: ModelSpec, B: number) {
  const layout = paramLayout(spec);
  const acts = spec.layers.map((_, i) => layerActivation(spec, i));
  const sizes = denseSizes(spec);
  const x = Float64Array.from(seededArray(B * sizes[0], 3, 0, 1));
  const labels = Uint32Array.from({ length: B }, (_, b) => (b * 7) % sizes[sizes.length - 1]);
  const a = sizes.slice(1).map((n) => new Float64Array(B * n));
  const dZ = sizes.slice(1).map((n) => new Float64Array(B * n));
  const K = sizes[sizes.length - 1];
  const L = layout.layers.length;

  const block = (p: Float64Array, l: number) => p.subarray(layout.layers[l].offset, layout.layers[l].offset + layout.layers[l].size);

  /** Mean loss over the batch; leaves dZ of the last layer filled. */
  function loss(params: Float64Array): number {
    layout.layers.forEach((b, l) => matmulForward(a[l], l === 0 ? x : a[l - 1], block(params, l), B, b.C, b.OC, acts[l]));
    const stats =
      spec.loss === 'cross-entropy'
        ? softmaxCrossEntropy(dZ[L - 1], a[L - 1], labels, B, K)
        : quadraticCost(dZ[L - 1], a[L - 1], labels, B, K, spec.outputActivation);
    return stats.lossSum / B;
  }

  function gradient(params: Float64Array): Float64Array {
    const grads = new Float64Array(layout.total);
    loss(params);
    for (let l = L - 1; l >= 0; l--) {
      const b = layout.layers[l];
      matmulBackwardWeight(block(grads, l), l === 0 ? x : a[l - 1], dZ[l], B, b.C, b.OC);
      if (l > 0) matmulBackwardInput(dZ[l - 1], dZ[l], block(params, l), a[l - 1], B, b.C, b.OC, acts[l - 1]);
    }
    return grads;
  }
  return { layout, loss, gradient };
}

function check(spec: ModelSpec, B: number): { worst: number; where: string } {
  const { layout, loss, gradient } = network(spec, B);
  const params = new Float64Array(layout.total);
  for (const b of layout.layers) params.set(seededArray(b.size, 10 + b.C, -0.8, 0.8), b.offset);
  const analytic = gradient(params);
  let worst = 0;
  let where = '';
  layout.layers.forEach((b, l) => {
    for (let i = b.offset; i < b.offset + b.size; i++) {
      const keep = params[i];
      params[i] = keep + H;
      const up = loss(params);
      params[i] = keep - H;
      const down = loss(params);
      params[i] = keep;
      const numeric = (up - down) / (2 * H);
      const rel = Math.abs(numeric - analytic[i]) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic[i]));
      if (rel > worst) {
        worst = rel;
        const j = i - b.offset;
        where = `${j < b.weights ? `W${l + 1}[${Math.floor(j / b.OC)}, ${j % b.OC}]` : `b${l + 1}[${j - b.weights}]`}: analytic ${analytic[i]}, numeric ${numeric}`;
      }
    }
  });
  return { worst, where };
}

describe('CPU reference gradients vs finite differences (float64)', () => {
  const hidden = ACTIVATIONS.filter((a) => a !== 'step');
  for (const loss of ['cross-entropy', 'quadratic'] as Loss[]) {
    for (const activation of hidden) {
      const outputActivation: Activation = loss === 'quadratic' ? 'sigmoid' : 'identity';
      it(`${activation} hidden layers, ${loss}`, () => {
        const spec: ModelSpec = { ...denseNetwork([6, 5, 4, 3]), activation, loss, outputActivation, init: 'xavier' };
        const { worst, where } = check(spec, 4);
        expect(worst, `worst relative error at ${where}`).toBeLessThan(MAX_REL_ERROR);
      });
    }
  }
  for (const out of ['tanh', 'identity', 'softplus'] as Activation[]) {
    it(`quadratic cost through a ${out} output`, () => {
      const spec: ModelSpec = { ...denseNetwork([5, 4, 3]), activation: 'tanh', loss: 'quadratic', outputActivation: out, init: 'xavier' };
      const { worst, where } = check(spec, 3);
      expect(worst, `worst relative error at ${where}`).toBeLessThan(MAX_REL_ERROR);
    });
  }
});
