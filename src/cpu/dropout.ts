/**
 * Inverted dropout with a counter-based mask. Mirrors shaders/dropout.wgsl bit for bit (the
 * same hash of seed, layer, step and index), so the GPU and the CPU reference drop the same
 * units and a resumed run drops what the uninterrupted one would.
 */
import type { Vec } from './matmul.ts';

/** PCG's output permutation of one 32-bit word (shaders/lib/hash.wgsl). */
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The threshold a hash must reach to keep a unit: P(keep) = 1 − p. */
export function keepThreshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/**
 * x[i] ← keep(i) ? x[i] / (1 − p) : 0 for i < n, with keep(i) from (seed, layer, t, i): t is the
 * mini-batch's 1-based number in the whole run. Applied to a layer's activations in the
 * forward pass and, with the same arguments, to their gradient in the backward pass.
 */
export function dropout(x: Vec, n: number, seed: number, layer: number, t: number, p: number): void {
  const threshold = keepThreshold(p);
  const scale = Math.fround(1 / (1 - p));
  for (let i = 0; i < n; i++) {
    const r = pcgHash((seed ^ pcgHash((layer ^ pcgHash((t ^ pcgHash(i)) >>> 0)) >>> 0)) >>> 0);
    x[i] = r >= threshold ? x[i] * scale : 0;
  }
}
