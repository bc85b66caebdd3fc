/**
 * The kernels' uniform structs, packed by name: one function per WGSL struct, returning its
 * u32 words in the struct's field order (padding included), so an op says which field gets
 * which value and no call site counts positions. Each names the struct it fills.
 */
import { gaussRadius, type AugmentParams, type ImageShape } from '../cpu/augment.ts';
import { keepThreshold } from '../cpu/dropout.ts';
import { f32Bits } from './dispatch.ts';

/** The structs that hold only the batch: ConvDims, PoolDims, GapDims (B) and batch norm's (N rows). */
export const batchDims = (B: number): number[] => [B, 0, 0, 0];

/** softmax_cross_entropy.wgsl and quadratic_cost.wgsl `Dims { B, K }`. */
export const lossDims = (d: { B: number; K: number }): number[] => [d.B, d.K, 0, 0];

/** evaluate.wgsl `Dims { B, K, offset }`: rows, classes, the first row's index in preds and rowLoss. */
export const evaluateDims = (d: { B: number; K: number; offset: number }): number[] => [d.B, d.K, d.offset, 0];

/** gather_batch(_vec4, _u8).wgsl `Dims { B, P }`: rows, pixels per image. */
export const gatherDims = (d: { B: number; P: number }): number[] => [d.B, d.P, 0, 0];

/** lib/matmul_common.wgsl `Dims { M, N, K, lda, ldb, kSlice, pstride }`; pstride: floats between split-K partial sums. */
export const matmulDims = (d: { M: number; N: number; K: number; lda: number; ldb: number; kSlice: number; pstride: number }): number[] =>
  [d.M, d.N, d.K, d.lda, d.ldb, d.kSlice, d.pstride, 0];

/** splitk_reduce.wgsl `ReduceDims { SLICES, size, N, stride, weights, biasOffset }`. */
export const reduceDims = (d: { slices: number; size: number; N: number; stride: number; weights: number; biasOffset: number }): number[] =>
  [d.slices, d.size, d.N, d.stride, d.weights, d.biasOffset, 0, 0];

/** Inverted dropout's fields in DropoutDims and output_layer's Dims: (seed, layer, keep threshold, 1/(1 − p) as f32 bits). */
export interface DropoutWords {
  seed: number;
  layer: number;
  p: number;
}
const dropoutFields = (d: DropoutWords | null): number[] =>
  d ? [d.seed >>> 0, d.layer, keepThreshold(d.p), f32Bits(1 / (1 - d.p))] : [0, 0, 0, 0];

/** dropout.wgsl `DropoutDims { n, seed, layer, threshold, scale }`. */
export const dropoutDims = (d: DropoutWords & { n: number }): number[] => {
  const [seed, layer, threshold, scale] = dropoutFields(d);
  return [d.n, seed, layer, threshold, scale, 0, 0, 0];
};

/** output_layer.wgsl `Dims { B, C, K, S, CS, G, seed, layer, threshold, scale }` (the dropout fields 0 without dropout). */
export const outputLayerDims = (d: { B: number; C: number; K: number; S: number; CS: number; G: number; dropout: DropoutWords | null }): number[] =>
  [d.B, d.C, d.K, d.S, d.CS, d.G, ...dropoutFields(d.dropout), 0, 0];

/**
 * lib/augment_common.wgsl `AugmentDims { B, C, H, W, seed, stepsPerEpoch, affine, elastic,
 * rotateLo, rotateHi, scaleLo, scaleHi, shearLo, shearHi, shiftLo, shiftHi, radius, alpha }`.
 */
export const augmentDims = (d: ImageShape & { B: number; p: AugmentParams }): number[] => {
  const { affine, elastic } = d.p;
  const ranges = affine ? [affine.rotate, affine.scale, affine.shear, affine.shift].flat() : [0, 0, 1, 1, 0, 0, 0, 0];
  return [
    d.B, d.C, d.H, d.W, d.p.seed >>> 0, d.p.stepsPerEpoch, affine ? 1 : 0, elastic ? 1 : 0, ...ranges.map(f32Bits),
    elastic ? gaussRadius(elastic.sigma) : 0, f32Bits(elastic?.alpha ?? 0), 0, 0,
  ];
};
