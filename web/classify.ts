/**
 * One image through a network on the CPU, with the reference kernels (src/cpu/matmul.ts):
 * cheap enough to follow a pen stroke live, and independent of the GPU so a loaded or
 * half-trained model classifies drawings while the GPU trains.
 */
import { matmulForward } from '../src/cpu/matmul.ts';
import { paramLayout } from '../src/model/layout.ts';
import { layerActivations, type ModelSpec } from '../src/model/spec.ts';

export interface ClassOutputs {
  /** One value per class: softmax probabilities, or the output layer's activations for the quadratic loss. */
  values: Float32Array;
  kind: 'probability' | 'activation';
}

/** The network's outputs for `pixels` (bytes like MNIST's, scaled to [0, 1] as in training). */
export function classifyImage(spec: ModelSpec, params: Float32Array, pixels: Uint8Array): ClassOutputs {
  const layout = paramLayout(spec);
  if (pixels.length !== spec.sizes[0]) {
    throw new Error(`This network takes ${spec.sizes[0]} pixels but the image has ${pixels.length}.`);
  }
  const acts = layerActivations(spec);
  let x = Float32Array.from(pixels, (p) => p / 255);
  for (const [l, b] of layout.layers.entries()) {
    const out = new Float32Array(b.OC);
    matmulForward(out, x, params.subarray(b.offset, b.offset + b.size), 1, b.C, b.OC, acts[l]);
    x = out;
  }
  if (spec.loss !== 'cross-entropy') return { values: x, kind: 'activation' };
  const max = Math.max(...x);
  const exp = x.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return { values: exp.map((e) => e / sum), kind: 'probability' };
}
