/**
 * 2D convolution layer, forward and backward, batched, channels first (NCHW). Mirrors
 * shaders/conv2d_forward.wgsl, conv2d_backward_input.wgsl and conv2d_backward_weight.wgsl
 * (+ conv2d_weight_reduce.wgsl) as run by src/gpu/conv-ops.ts, function for function.
 *
 * Like every framework's convolution layer these compute cross-correlation: the kernel is
 * not flipped,
 *   out[b, o, y, x] = act(bias[o] + Σ_c Σ_i Σ_j in[b, c, y·S − P + i, x·S − P + j] · W[o, c, i, j])
 * with zero padding P and stride S. The lectures' convolution (notes 003) flips the kernel;
 * `convolve2d` below is that definition, and equals conv2dForward with a flipped kernel.
 *
 * `wb` is the layer's parameter block: W (OC, IC, KH, KW) row-major, then b (OC).
 */
import { outputLength, type Activation } from '../model/spec.ts';
import { activate, activationGrad } from './activations.ts';
import type { Vec } from './matmul.ts';

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

/** out (B, OC, OH, OW) = act(x (B, IC, H, W) ⋆ W + b): cross-correlation, bias and activation. */
export function conv2dForward(out: Vec, x: Vec, wb: Vec, g: ConvGeometry, act: Activation): void {
  const { B, IC, H, W, OC, KH, KW, stride, pad, OH, OW } = g;
  const CK = IC * KH * KW;
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < OC; o++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let s = wb[OC * CK + o];
          for (let c = 0; c < IC; c++) {
            for (let i = 0; i < KH; i++) {
              const y = oy * stride - pad + i;
              if (y < 0 || y >= H) continue;
              for (let j = 0; j < KW; j++) {
                const xx = ox * stride - pad + j;
                if (xx < 0 || xx >= W) continue;
                s += x[((b * IC + c) * H + y) * W + xx] * wb[o * CK + (c * KH + i) * KW + j];
              }
            }
          }
          out[((b * OC + o) * OH + oy) * OW + ox] = activate(s, act);
        }
      }
    }
  }
}

/**
 * dX (B, IC, H, W) = (the transposed convolution of dY with W) ⊙ actPrev'(xPrev): the
 * gradient reaching the layer's input, through the activation of the layer that made it.
 *   dX[b, c, y, x] = f'(xPrev[b, c, y, x]) Σ_o Σ_i Σ_j dY[b, o, (y + P − i)/S, (x + P − j)/S] · W[o, c, i, j]
 * over the (i, j) where both divisions are exact and land inside the output.
 */
export function conv2dBackwardInput(dX: Vec, dY: Vec, wb: Vec, xPrev: Vec, g: ConvGeometry, actPrev: Activation): void {
  const { B, IC, H, W, OC, KH, KW, stride, pad, OH, OW } = g;
  const CK = IC * KH * KW;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < IC; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let s = 0;
          for (let o = 0; o < OC; o++) {
            for (let i = 0; i < KH; i++) {
              const ty = y + pad - i;
              if (ty < 0 || ty % stride !== 0 || ty / stride >= OH) continue;
              for (let j = 0; j < KW; j++) {
                const tx = x + pad - j;
                if (tx < 0 || tx % stride !== 0 || tx / stride >= OW) continue;
                s += dY[((b * OC + o) * OH + ty / stride) * OW + tx / stride] * wb[o * CK + (c * KH + i) * KW + j];
              }
            }
          }
          const at = ((b * IC + c) * H + y) * W + x;
          dX[at] = s * activationGrad(xPrev[at], actPrev);
        }
      }
    }
  }
}

/**
 * dWb: dW[o, c, i, j] = Σ_b Σ_y Σ_x dY[b, o, y, x] · in[b, c, y·S − P + i, x·S − P + j] and,
 * after the OC·IC·KH·KW weights, dB[o] = Σ_b Σ_y Σ_x dY[b, o, y, x].
 */
export function conv2dBackwardWeight(dWb: Vec, x: Vec, dY: Vec, g: ConvGeometry): void {
  const { B, IC, H, W, OC, KH, KW, stride, pad, OH, OW } = g;
  const CK = IC * KH * KW;
  dWb.fill(0, 0, (CK + 1) * OC);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < OC; o++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const d = dY[((b * OC + o) * OH + oy) * OW + ox];
          if (d === 0) continue;
          dWb[OC * CK + o] += d;
          for (let c = 0; c < IC; c++) {
            for (let i = 0; i < KH; i++) {
              const y = oy * stride - pad + i;
              if (y < 0 || y >= H) continue;
              for (let j = 0; j < KW; j++) {
                const xx = ox * stride - pad + j;
                if (xx < 0 || xx >= W) continue;
                dWb[o * CK + (c * KH + i) * KW + j] += d * x[((b * IC + c) * H + y) * W + xx];
              }
            }
          }
        }
      }
    }
  }
}

/** wb −= lr·(dWb + l2·W): the weight gradient applied as an SGD step (biases not decayed). */
export function conv2dBackwardWeightUpdate(wb: Vec, x: Vec, dY: Vec, g: ConvGeometry, lr: number, l2: number): void {
  const CK = g.IC * g.KH * g.KW;
  const grad = new Float64Array((CK + 1) * g.OC);
  conv2dBackwardWeight(grad, x, dY, g);
  for (let i = 0; i < grad.length; i++) wb[i] -= lr * (grad[i] + (i < CK * g.OC ? l2 * wb[i] : 0));
}

/**
 * The lectures' 2D discrete convolution of one image f (H × W) with a kernel k (KH × KW), the
 * kernel flipped (notes 003): (f ∗ k)[y][x] = Σ_i Σ_j f[y·S − P + i][x·S − P + j] · k[KH−1−i][KW−1−j],
 * zero padding P, stride S. The playground and the notes' examples use it.
 */
export function convolve2d(f: Vec, H: number, W: number, k: Vec, KH: number, KW: number, stride = 1, pad = 0): Float64Array {
  const g = convGeometry(1, 1, H, W, 1, KH, KW, stride, pad);
  const wb = new Float64Array(KH * KW + 1);
  wb.set(flipKernel(k, KH, KW));
  const out = new Float64Array(g.OH * g.OW);
  conv2dForward(out, f, wb, g, 'identity');
  return out;
}

/** The kernel rotated by 180°: true convolution is cross-correlation with this. */
export function flipKernel(k: ArrayLike<number>, KH: number, KW: number): Float64Array {
  const out = new Float64Array(KH * KW);
  for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) out[i * KW + j] = k[(KH - 1 - i) * KW + (KW - 1 - j)];
  return out;
}
