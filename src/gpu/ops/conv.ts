/**
 * GPU operations of the convolutional layers, with the CPU twins' names and arguments
 * (src/cpu/conv.ts). Each is built once into Dispatches, as in matmul.ts.
 *
 * A convolution runs as im2col followed by the dense layer's matmul kernels with
 * M = B·OH·OW rows, K = KH·KW·IC and N = OC: forward (bias and activation fused), weight
 * gradient (the SGD step fusable), and input gradient followed by col2im. Why: at batch 100
 * those matmuls have 19,600–78,400 rows, which fill a GPU's compute units many times over
 * and reuse the matmul variants tuned per adapter, where direct convolution kernels
 * measured 3–10× slower on llvmpipe (their weight gradient sums 78,400 products per
 * weight over only a few hundred weights). The price is the im2col matrix in memory:
 * B·OH·OW·KH·KW·IC floats per layer (31 MB for the `cnn` preset's second layer at batch 100).
 *
 * With the vec4 variant, where implicitConvFits (IC and OC multiples of 4, stride 1, a square
 * kernel), the same matmuls run as conv_gemm.wgsl, which gathers the im2col matrix's tiles
 * from the input as it multiplies: no im2col, no col2im, no matrix in memory. The input
 * gradient then runs as a convolution of dY by the flipped weights (conv_flip_weights.wgsl).
 */
import { colShape, transposedGeometry, type ConvGeometry } from '../../cpu/conv.ts';
import type { Activation } from '../../model/spec.ts';
import { ACTIVATION_CODE } from '../codes.ts';
import { buildOwning, flatDispatch, uniformBuffer, type Dispatch, type Slice } from '../dispatch.ts';
import type { KernelCache } from '../kernels.ts';
import { backwardInputProblem, backwardWeightProblem, forwardProblem, policyOf, type MatmulChoice, type MatmulPolicy } from '../matmul-plans.ts';
import { convGemm, matmulBackwardInput, matmulBackwardWeight, matmulBackwardWeightUpdate, matmulForward, uniformBStage } from './matmul.ts';
import { batchDims } from '../uniforms.ts';

const WG = 256;

type Buf = GPUBuffer | Slice;

function convDims(k: KernelCache, label: string, g: ConvGeometry): GPUBuffer {
  return uniformBuffer(k.device, `${label} dims`, batchDims(g.B));
}

/** The sizes of lib/conv_common.wgsl, as override constants. */
function convOverrides(g: ConvGeometry): Record<string, number> {
  return { IC: g.IC, H: g.H, W: g.W, KH: g.KH, KW: g.KW, S: g.stride, P: g.pad, OH: g.OH, OW: g.OW };
}

/** col (B·OH·OW, KH·KW·IC) = the input windows of x (B, H, W, IC) (im2col.wgsl). */
export function im2col(k: KernelCache, col: Buf, x: Buf, g: ConvGeometry, label = 'im2col'): Promise<Dispatch> {
  const overrides = { WG, ...convOverrides(g) };
  const { rows, cols } = colShape(g);
  // One invocation per four columns (cols, CKP, is a multiple of 4).
  return buildOwning(k, 'im2col', overrides, label, [x, col], convDims(k, label, g), flatDispatch((rows * cols) / 4, WG));
}

/**
 * dX (B, H, W, IC) = the im2col gradient dCol summed back ⊙ actPrev'(xPrev): col2im_vec4.wgsl,
 * four channels per invocation, where IC is a multiple of 4, col2im_vec2.wgsl two where it is
 * even, else col2im.wgsl.
 */
export function col2im(k: KernelCache, dX: Buf, dCol: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation, label = 'col2im'): Promise<Dispatch> {
  const overrides = { WG, ACT: ACTIVATION_CODE[actPrev], ...convOverrides(g) };
  const [kernel, lanes] = g.IC % 4 === 0 ? (['col2im_vec4', 4] as const) : g.IC % 2 === 0 ? (['col2im_vec2', 2] as const) : (['col2im', 1] as const);
  return buildOwning(k, kernel, overrides, `${label} [${kernel}]`, [dCol, xPrev, dX], convDims(k, label, g), flatDispatch((g.B * g.H * g.W * g.IC) / lanes, WG));
}

/** out (B, OH, OW, OC) = act(x ⋆ W + b): im2col into col, then the forward matmul. */
export async function conv2dForward(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, out: Buf, col: Buf, x: Buf, wb: Buf, g: ConvGeometry, act: Activation, label = 'conv2dForward',
): Promise<Dispatch[]> {
  const { rows, cols } = colShape(g);
  return [await im2col(k, col, x, g, `${label} im2col`), await matmulForward(k, variant, out, col, wb, rows, cols, g.OC, act, `${label} matmul`)];
}

/** im2col rows per slice of a split-K weight gradient, roughly. */
const SPLIT_K_ROWS = 1024;
/** At most this many slices: their partial sums stay a few MB. */
const MAX_WEIGHT_SLICES = 128;

/**
 * Slices of k (the weight gradient's B·OH·OW im2col rows) for a chosen variant: one per
 * SPLIT_K_ROWS, at most MAX_WEIGHT_SLICES; the autotuner ('auto') measures its own choice
 * instead. Small slices pay on a CPU-hosted adapter for their cache, not their parallelism:
 * a workgroup's slice of the im2col matrix and of dY stays cached while the next workgroups
 * (the other row blocks of the same slice) read it again. llvmpipe, 2 cores (AMD EPYC), ms
 * per weight gradient with its reduce at 4,096 / 2,048 / 1,024 / 512 rows a slice: cnn
 * conv 2 (19,600 × 400 → 32) 47.0 / 40.6 / 32.6 / 31.8; fast conv 2 (73,728 × 216 → 24)
 * 91.7 / 57.2 / 55.5 / 77.1; fast conv 4 (12,800 × 216 → 32) 24.1 / 21.9 / 17.0 / 15.2;
 * cnn conv 1 (78,400 × 28 → 16) 11.3 / 11.5 / 11.4 / 11.9; lenet5 conv 2 (10,000 × 152
 * → 16) 13.4 / 11.4 / 9.1 / 9.2.
 */
export function weightSlices(g: ConvGeometry): number {
  const { rows } = colShape(g);
  return Math.min(MAX_WEIGHT_SLICES, Math.max(1, Math.round(rows / SPLIT_K_ROWS)));
}

/**
 * The weight gradient [colᵀ; 1] · dY over B·OH·OW rows, split-K: a k of 19,600–78,400 rows
 * for a (KH·KW·IC + 1) × OC output of a few thousand values would leave most of a GPU idle
 * (and measured 4× slower per FLOP than the forward matmul on llvmpipe). The matmul sums
 * slices of rows in parallel (workgroup z) and splitk_reduce adds them into out (MODE 2)
 * or applies them as the SGD step (MODE 3): one matmul dispatch and its reduce.
 */
function weightGradient(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, out: Buf, col: GPUBuffer, dY: GPUBuffer, opt: GPUBuffer, g: ConvGeometry, mode: 2 | 3, label: string,
): Promise<Dispatch> {
  const { rows, cols } = colShape(g);
  const split = weightSlices(g);
  return mode === 3
    ? matmulBackwardWeightUpdate(k, variant, out, col, dY, opt, rows, cols, g.OC, label, split)
    : matmulBackwardWeight(k, variant, out, col, dY, rows, cols, g.OC, label, split);
}

/** dWb (CKP + 1, OC) = [colᵀ; 1] · dY, col as conv2dForward left it. */
export async function conv2dBackwardWeight(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, dWb: Buf, col: GPUBuffer, dY: GPUBuffer, opt: GPUBuffer, g: ConvGeometry,
  label = 'conv2dBackwardWeight',
): Promise<Dispatch[]> {
  return [await weightGradient(k, variant, dWb, col, dY, opt, g, 2, label)];
}

/** wb −= lr·([colᵀ; 1] · dY + l2·W) in place, lr and l2 from the optimiser buffer. */
export async function conv2dBackwardWeightUpdate(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, wb: Buf, col: GPUBuffer, dY: GPUBuffer, opt: GPUBuffer, g: ConvGeometry,
  label = 'conv2dBackwardWeightUpdate',
): Promise<Dispatch[]> {
  return [await weightGradient(k, variant, wb, col, dY, opt, g, 3, label)];
}

/** dX (B, H, W, IC) = col2im(dY · Wᵀ) ⊙ actPrev'(xPrev); dCol is scratch of colShape(g). */
export async function conv2dBackwardInput(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, dX: Buf, dCol: Buf, dY: Buf, wb: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation,
  label = 'conv2dBackwardInput',
): Promise<Dispatch[]> {
  const { rows, cols } = colShape(g);
  return [
    await matmulBackwardInput(k, variant, dCol, dY, wb, dY, rows, cols, g.OC, 'identity', `${label} matmul`),
    await col2im(k, dX, dCol, xPrev, g, actPrev, `${label} col2im`),
  ];
}

/**
 * Whether conv_gemm.wgsl takes all three of a convolution's matmuls: IC % 4 == 0 (a vec4 of
 * an im2col row is four channels of one pixel; so is dY's, OC % 4 == 0, for the input
 * gradient) and, for the input gradient as a convolution of dY, stride 1, a square kernel
 * and padding at most KH − 1.
 */
export function implicitConvFits(g: ConvGeometry): boolean {
  return g.IC % 4 === 0 && g.OC % 4 === 0 && g.stride === 1 && g.KH === g.KW && g.pad <= g.KH - 1;
}

/**
 * Whether the GPU runs a convolution without im2col: with the vec4 variant (software
 * adapters' default, or the user's --matmul vec4) where implicitConvFits. The tuned variants
 * ('auto', a GPU's default) keep im2col and the matmul the tuner picked.
 */
export function runsImplicit(variant: MatmulChoice | MatmulPolicy, g: ConvGeometry): boolean {
  return policyOf(variant).variant === 'vec4' && implicitConvFits(g);
}

function checkImplicit(g: ConvGeometry, label: string): void {
  if (!implicitConvFits(g)) {
    throw new Error(`${label}: conv_gemm needs IC and OC multiples of 4, stride 1, a square kernel and padding ≤ KH − 1 (implicitConvFits); got ${JSON.stringify(g)}.`);
  }
}

/**
 * out (B, OH, OW, OC) = act(x ⋆ W + b) by conv_gemm: conv2dForward without the im2col matrix.
 * Where the block [W; b] fits a 64 KiB uniform binding (uniformBStage), it is first copied into
 * one (copy_vec4) and the product runs as conv_gemm_ub, which reads it from there.
 */
export async function conv2dForwardImplicit(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, out: Buf, x: Buf, wb: Buf, g: ConvGeometry, act: Activation, label = 'conv2dForwardImplicit',
): Promise<Dispatch[]> {
  checkImplicit(g, label);
  const { rows, cols } = colShape(g);
  const p = forwardProblem(rows, cols, g.OC, act);
  const floats = (cols + 1) * g.OC;
  const staged = uniformBStage(k.device, `${label} weights as a uniform`, floats);
  if (!staged) return [await convGemm(k, variant, label, p, x, wb, wb, out, convOverrides(g))];
  const copy = await copyVec4(k, staged, wb, floats / 4, `${label} weights to the uniform`);
  copy.owned.push(staged);
  return [copy, await convGemm(k, variant, label, p, x, staged, wb, out, convOverrides(g), true)];
}

/** dst[0 .. n) = src[0 .. n), n vec4s (copy_vec4.wgsl). */
export function copyVec4(k: KernelCache, dst: Buf, src: Buf, n: number, label: string): Promise<Dispatch> {
  return buildOwning(k, 'copy_vec4', { WG }, label, [src, dst], uniformBuffer(k.device, `${label} dims`, [n, 0, 0, 0]), flatDispatch(n, WG));
}

/**
 * The weight gradient [colᵀ; 1] · dY (mode 2, into out) or its SGD step (mode 3, on out) by
 * conv_gemm, col read in place from x; split over rows as weightGradient.
 */
export async function conv2dBackwardWeightImplicit(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, out: Buf, x: Buf, dY: Buf, opt: GPUBuffer, g: ConvGeometry, mode: 2 | 3,
  label = 'conv2dBackwardWeightImplicit',
): Promise<Dispatch[]> {
  checkImplicit(g, label);
  const { rows, cols } = colShape(g);
  const p = { ...backwardWeightProblem(rows, cols, g.OC, mode), split: weightSlices(g) };
  return [await convGemm(k, variant, label, p, x, dY, mode === 3 ? opt : dY, out, convOverrides(g))];
}

/** flipped (IC, KH·KW·OC) = the weights of wb rotated by 180°, channels swapped (conv_flip_weights.wgsl). */
export function flipConvWeights(k: KernelCache, flipped: Buf, wb: Buf, g: ConvGeometry, label = 'flipConvWeights'): Promise<Dispatch> {
  const overrides = { WG, OC: g.OC, ...convOverrides(g) };
  return buildOwning(k, 'conv_flip_weights', overrides, label, [wb, flipped], convDims(k, label, g), flatDispatch(g.KH * g.KW * g.OC * g.IC, WG));
}

/**
 * dX (B, H, W, IC) = (dY ⋆ flipped W over transposedGeometry(g)) ⊙ actPrev'(xPrev): the flip,
 * then conv_gemm in MODE 1 with dY as the tensor whose im2col it reads. CPU twin:
 * src/cpu/conv.ts conv2dBackwardInputAsConv. `flipped` is scratch of IC·KH·KW·OC floats.
 */
export async function conv2dBackwardInputImplicit(
  k: KernelCache, variant: MatmulChoice | MatmulPolicy, dX: Buf, flipped: Buf, dY: Buf, wb: Buf, xPrev: Buf, g: ConvGeometry, actPrev: Activation,
  label = 'conv2dBackwardInputImplicit',
): Promise<Dispatch[]> {
  checkImplicit(g, label);
  const t = transposedGeometry(g);
  const { rows, cols } = colShape(t);
  // dY's im2col (rows, cols) times the flipped weights (IC, cols) read transposed.
  const p = backwardInputProblem(rows, g.IC, cols, actPrev);
  // Flipped into a uniform binding where they fit one (conv_gemm_ub), else into `flipped`.
  const staged = uniformBStage(k.device, `${label} flipped weights as a uniform`, g.IC * cols);
  const flip = await flipConvWeights(k, staged ?? flipped, wb, g, `${label} flip`);
  if (staged) flip.owned.push(staged);
  return [flip, await convGemm(k, variant, label, p, dY, staged ?? flipped, xPrev, dX, convOverrides(t), staged !== null)];
}
