/**
 * 2D convolution layer, batched, channels last (NHWC: a sample is H × W pixels of C
 * channels), computed as on the GPU: im2col, then the dense layer's matmuls (src/cpu/matmul.ts),
 * then col2im for the input gradient. `im2col` and `col2im` mirror shaders/im2col.wgsl and
 * shaders/col2im.wgsl one to one (src/gpu/ops/conv.ts runs them).
 *
 * Like every framework's convolution layer this is cross-correlation, the kernel not flipped:
 *   out[b, y, x, o] = act(bias[o] + Σ_i Σ_j Σ_c in[b, y·S − P + i, x·S − P + j, c] · W[(i·KW + j)·IC + c, o])
 * with zero padding P and stride S. The lectures' convolution (notes 003) flips the kernel:
 * `convolve2d` is that definition. `conv2dDirect` is the textbook loop over the same
 * layout, the oracle the im2col route is tested against.
 *
 * The layer's parameter block is a dense block [W; b] with C = CKP rows (KH·KW·IC rounded
 * up to a multiple of 4, in (i, j, c) order; the extra rows are 0) and OC outputs; model files store W as PyTorch does, (OC, IC, KH, KW)
 * (src/model/model-file.ts permutes).
 */
import { outputLength, type Activation } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward, type Vec } from './matmul.ts';

/** Sizes of one convolution over a batch. */
export interface ConvGeometry {
  B: number;
  IC: number;
  H: number;
  W: number;
  OC: number;
  KH: number;
  KW: number;
  stride: number;
  pad: number;
  OH: number;
  OW: number;
}

export function convGeometry(
  B: number, IC: number, H: number, W: number, OC: number, KH: number, KW: number, stride: number, pad: number,
): ConvGeometry {
  return { B, IC, H, W, OC, KH, KW, stride, pad, OH: outputLength(H, KH, stride, pad), OW: outputLength(W, KW, stride, pad) };
}

/**
 * Rows (B·OH·OW) and columns of the im2col matrix: KH·KW·IC rounded up to a multiple of 4
 * (the extra columns are 0), which lets the vec4 matmuls take every convolution.
 */
export function colShape(g: ConvGeometry): { rows: number; cols: number } {
  return { rows: g.B * g.OH * g.OW, cols: Math.ceil((g.KH * g.KW * g.IC) / 4) * 4 };
}

/**
 * col (B·OH·OW, CKP): row (b, y, x) holds the input window of output pixel (y, x),
 *   col[(b·OH + y)·OW + x, (i·KW + j)·IC + c] = in[b, y·S − P + i, x·S − P + j, c], 0 in the padding,
 * and 0 in columns KH·KW·IC .. CKP − 1 (CKP = colShape(g).cols).
 */
export function im2col(col: Vec, x: Vec, g: ConvGeometry): void {
  const { B, IC, H, W, KH, KW, stride, pad, OH, OW } = g;
  const CK = colShape(g).cols;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const row = ((b * OH + oy) * OW + ox) * CK;
        for (let i = 0; i < KH; i++) {
          const y = oy * stride - pad + i;
          for (let j = 0; j < KW; j++) {
            const xx = ox * stride - pad + j;
            const inside = y >= 0 && y < H && xx >= 0 && xx < W;
            for (let c = 0; c < IC; c++) col[row + (i * KW + j) * IC + c] = inside ? x[((b * H + y) * W + xx) * IC + c] : 0;
          }
        }
        for (let k = KH * KW * IC; k < CK; k++) col[row + k] = 0;
      }
    }
  }
}

/**
 * dX (B, H, W, IC) from dCol (B·OH·OW, KH·KW·IC), the gradient of im2col's output: each input
 * pixel sums the entries im2col copied it to, times actPrev'(xPrev) (the activation of the
 * layer that produced the input).
 *   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) Σ dCol[(b, (y + P − i)/S, (x + P − j)/S), (i, j, c)]
 * over the (i, j) where both divisions are exact and land inside the output.
 */
export function col2im(dX: Vec, dCol: Vec, xPrev: Vec, g: ConvGeometry, actPrev: Activation): void {
  const { B, IC, H, W, KH, KW, stride, pad, OH, OW } = g;
  const CK = colShape(g).cols;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < IC; c++) {
          let s = 0;
          for (let i = 0; i < KH; i++) {
            const ty = y + pad - i;
            if (ty < 0 || ty % stride !== 0 || ty / stride >= OH) continue;
            for (let j = 0; j < KW; j++) {
              const tx = x + pad - j;
              if (tx < 0 || tx % stride !== 0 || tx / stride >= OW) continue;
              s += dCol[((b * OH + ty / stride) * OW + tx / stride) * CK + (i * KW + j) * IC + c];
            }
          }
          const at = ((b * H + y) * W + x) * IC + c;
          dX[at] = s * activationGrad(xPrev[at], actPrev);
        }
      }
    }
  }
}

/** out (B, OH, OW, OC) = act(x ⋆ W + b): im2col into `col`, then the dense forward matmul. */
export function conv2dForward(out: Vec, col: Vec, x: Vec, wb: Vec, g: ConvGeometry, act: Activation): void {
  const { rows, cols } = colShape(g);
  im2col(col, x, g);
  matmulForward(out, col, wb, rows, cols, g.OC, act);
}

/** dWb (CKP + 1, OC) = [colᵀ; 1] · dY, with col as conv2dForward left it. */
export function conv2dBackwardWeight(dWb: Vec, col: Vec, dY: Vec, g: ConvGeometry): void {
  const { rows, cols } = colShape(g);
  matmulBackwardWeight(dWb, col, dY, rows, cols, g.OC);
}

/** dX (B, H, W, IC) = col2im(dY · Wᵀ) ⊙ actPrev'(xPrev); dCol is scratch of colShape(g). */
export function conv2dBackwardInput(dX: Vec, dCol: Vec, dY: Vec, wb: Vec, xPrev: Vec, g: ConvGeometry, actPrev: Activation): void {
  const { rows, cols } = colShape(g);
  matmulBackwardInput(dCol, dY, wb, dY, rows, cols, g.OC, 'identity');
  col2im(dX, dCol, xPrev, g, actPrev);
}

/**
 * The input gradient of a stride-1 convolution as a convolution of dY: dY's sizes in, the
 * input's out, the same kernel size, padding KH − 1 − P (src/gpu/ops/conv.ts runs it this way
 * where implicitConvFits: stride 1, a square kernel, P ≤ KH − 1).
 */
export function transposedGeometry(g: ConvGeometry): ConvGeometry {
  return convGeometry(g.B, g.OC, g.OH, g.OW, g.IC, g.KH, g.KW, 1, g.KH - 1 - g.pad);
}

/**
 * flipped (IC, KH·KW·OC): the weights rotated by 180° with their channel dimensions swapped,
 *   flipped[c·KH·KW·OC + (i·KW + j)·OC + o] = W[(((KH − 1 − i)·KW + (KW − 1 − j))·IC + c)·OC + o];
 * mirrors shaders/conv_flip_weights.wgsl.
 */
export function flipConvWeights(flipped: Vec, wb: Vec, g: ConvGeometry): void {
  const { IC, OC, KH, KW } = g;
  for (let c = 0; c < IC; c++) {
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        for (let o = 0; o < OC; o++) flipped[((c * KH + i) * KW + j) * OC + o] = wb[(((KH - 1 - i) * KW + (KW - 1 - j)) * IC + c) * OC + o];
      }
    }
  }
}

/**
 * dX (B, H, W, IC) of a stride-1 convolution as a convolution of dY, as the GPU runs it
 * without im2col (conv_flip_weights.wgsl, then conv_gemm.wgsl in MODE 1, the same sums in
 * the same order): im2col of dY over transposedGeometry(g) times flippedᵀ, ⊙ actPrev'(xPrev).
 * The same values as conv2dBackwardInput up to rounding (it sums over (i, j, o), not o then (i, j)).
 */
export function conv2dBackwardInputAsConv(dX: Vec, dY: Vec, wb: Vec, xPrev: Vec, g: ConvGeometry, actPrev: Activation): void {
  if (g.stride !== 1 || g.KH !== g.KW || g.pad > g.KH - 1 || g.OC % 4 !== 0) {
    throw new Error(`conv2dBackwardInputAsConv takes stride 1, a square kernel, padding ≤ KH − 1 and OC % 4 == 0; got stride ${g.stride}, ${g.KH}×${g.KW}, padding ${g.pad}, ${g.OC} channels.`);
  }
  const t = transposedGeometry(g);
  const { rows, cols } = colShape(t);
  const flipped = new Float32Array(g.IC * cols);
  flipConvWeights(flipped, wb, g);
  const col = new Float32Array(rows * cols);
  im2col(col, dY, t);
  matmulBackwardInput(dX, col, flipped, xPrev, rows, g.IC, cols, actPrev);
}

/** The definition, loop by loop, over the same layouts: the oracle for the im2col route. */
export function conv2dDirect(out: Vec, x: Vec, wb: Vec, g: ConvGeometry, act: Activation): void {
  const { B, IC, H, W, OC, KH, KW, stride, pad, OH, OW } = g;
  const CK = colShape(g).cols;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let o = 0; o < OC; o++) {
          let s = wb[CK * OC + o];
          for (let i = 0; i < KH; i++) {
            const y = oy * stride - pad + i;
            if (y < 0 || y >= H) continue;
            for (let j = 0; j < KW; j++) {
              const xx = ox * stride - pad + j;
              if (xx < 0 || xx >= W) continue;
              for (let c = 0; c < IC; c++) s += x[((b * H + y) * W + xx) * IC + c] * wb[((i * KW + j) * IC + c) * OC + o];
            }
          }
          out[((b * OH + oy) * OW + ox) * OC + o] = activate(s, act);
        }
      }
    }
  }
}

/**
 * The lectures' 2D discrete convolution of one image f (H × W) with a kernel k (KH × KW), the
 * kernel flipped (notes 003): (f ∗ k)[y][x] = Σ_i Σ_j f[y·S − P + i][x·S − P + j] · k[KH−1−i][KW−1−j],
 * zero padding P, stride S.
 */
export function convolve2d(f: ArrayLike<number>, H: number, W: number, k: ArrayLike<number>, KH: number, KW: number, stride = 1, pad = 0): Float64Array {
  return crossCorrelate2d(f, H, W, flipKernel(k, KH, KW), KH, KW, stride, pad);
}

/** Cross-correlation of one image with one kernel (what conv layers compute), through conv2dDirect. */
export function crossCorrelate2d(f: ArrayLike<number>, H: number, W: number, k: ArrayLike<number>, KH: number, KW: number, stride = 1, pad = 0): Float64Array {
  const g = convGeometry(1, 1, H, W, 1, KH, KW, stride, pad);
  const wb = new Float64Array(colShape(g).cols + 1);
  wb.set(Array.from(k));
  const out = new Float64Array(g.OH * g.OW);
  conv2dDirect(out, Float64Array.from(f), wb, g, 'identity');
  return out;
}

/** The kernel rotated by 180°: true convolution is cross-correlation with this. */
export function flipKernel(k: ArrayLike<number>, KH: number, KW: number): Float64Array {
  const out = new Float64Array(KH * KW);
  for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) out[i * KW + j] = k[(KH - 1 - i) * KW + (KW - 1 - j)];
  return out;
}
