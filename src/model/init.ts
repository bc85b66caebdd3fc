/**
 * Initial parameters in the flat layout of layout.ts.
 *   xavier: W ~ U(±sqrt(6 / (C + OC))), b = 0        (the lectures' Glorot-uniform; for a
 *           convolution C = IC·KH·KW and OC·KH·KW outputs, as Glorot and PyTorch count them)
 *   he:     W ~ N(0, 2 / C), b = 0                    (for deep ReLU stacks)
 *   normal: W ~ N(0, 1), b ~ N(0, 1)                  (Nielsen's network.py)
 */
import { paramLayout } from './layout.ts';
import { type ParamLayout } from './param-block.ts';
import type { ModelSpec } from './spec.ts';
import { Rng } from './rng.ts';

export function initParams(spec: ModelSpec, seed: number): { params: Float32Array; layout: ParamLayout } {
  const layout = paramLayout(spec);
  const params = new Float32Array(layout.total);
  const rng = new Rng(seed);
  for (const { C, fanIn, OC, offset, fanOut } of layout.layers) {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const heStd = Math.sqrt(2 / fanIn);
    // Rows past fanIn (a convolution's padding to a multiple of 4) stay 0.
    const weights = fanIn * OC;
    for (let i = 0; i < weights; i++) {
      params[offset + i] =
        spec.init === 'xavier' ? (2 * rng.uniform() - 1) * limit : spec.init === 'he' ? rng.normal() * heStd : rng.normal();
    }
    if (spec.init === 'normal') {
      for (let o = 0; o < OC; o++) params[offset + C * OC + o] = rng.normal();
    }
  }
  return { params, layout };
}
