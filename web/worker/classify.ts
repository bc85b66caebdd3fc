/**
 * One image through a network on the CPU, with the reference kernels (web/shared/feature-maps.ts
 * forwardImage: src/cpu/conv.ts, pool.ts and matmul.ts): cheap enough to follow a pen
 * stroke live, and independent of the GPU so a loaded or half-trained model classifies
 * drawings while the GPU trains.
 */
import type { ModelSpec } from '../../src/model/spec.ts';
import { featureImages, forwardImage } from '../shared/feature-maps.ts';
import type { ClassOutputs } from '../shared/worker-protocol.ts';

/** Buffers to transfer rather than copy when posting outputs. */
export function outputBuffers(outputs: ClassOutputs): ArrayBuffer[] {
  return [outputs.values.buffer as ArrayBuffer, ...outputs.features.flatMap((f) => f.channels.map((c) => c.buffer))];
}

/** The network's outputs for `pixels` (bytes like MNIST's, scaled to [0, 1] as in training), and its feature maps as images. */
export function classifyImage(spec: ModelSpec, params: Float32Array, pixels: Uint8Array, state: Float32Array | null = null): ClassOutputs {
  const forward = forwardImage(spec, params, pixels, state);
  const x = forward.outputs;
  const features = forward.features.map(featureImages);
  if (spec.loss !== 'cross-entropy') return { values: x, kind: 'activation', features };
  const max = Math.max(...x);
  const exp = x.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return { values: exp.map((e) => e / sum), kind: 'probability', features };
}
