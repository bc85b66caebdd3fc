/**
 * Max pooling, forward and backward, batched, channels last (NHWC). Mirrors
 * shaders/maxpool_forward.wgsl, shaders/maxpool_backward.wgsl and
 * shaders/maxpool_backward_cells.wgsl (src/gpu/ops/pool.ts).
 *
 * Windows of K × K with stride S over the input padded by P on each side; padding never
 * wins (it is −∞). The forward pass records where each maximum came from (y·W + x within
 * its channel; the first of equal values in row-major window order), and the
 * backward pass routes each output's gradient to exactly that input.
 */
import { outputLength, type Activation } from '../model/spec.ts';
import { activationGrad } from './activations.ts';
import type { Vec } from './matmul.ts';

export interface PoolGeometry {
  B: number;
  C: number;
  H: number;
  W: number;
  K: number;
  stride: number;
  pad: number;
  OH: number;
  OW: number;
}

export function poolGeometry(B: number, C: number, H: number, W: number, K: number, stride: number, pad: number): PoolGeometry {
  return { B, C, H, W, K, stride, pad, OH: outputLength(H, K, stride, pad), OW: outputLength(W, K, stride, pad) };
}

/** out (B, OH, OW, C) = window maxima of x (B, H, W, C); argmax: where each came from. */
export function maxPoolForward(out: Vec, argmax: Uint32Array, x: Vec, g: PoolGeometry): void {
  const { B, C, H, W, K, stride, pad, OH, OW } = g;
  for (let p = 0; p < B * C; p++) {
    const b = Math.floor(p / C);
    const c = p % C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let best = 0;
        let at = -1;
        for (let i = 0; i < K; i++) {
          const y = oy * stride - pad + i;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < K; j++) {
            const xx = ox * stride - pad + j;
            if (xx < 0 || xx >= W) continue;
            const v = x[((b * H + y) * W + xx) * C + c];
            if (at < 0 || v > best) {
              best = v;
              at = y * W + xx;
            }
          }
        }
        const o = ((b * OH + oy) * OW + ox) * C + c;
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/**
 * The outputs whose window covers input pixel (y, x), inclusive (empty when oy0 > oy1):
 * oy·S − P ≤ y ≤ oy·S − P + K − 1, clipped to the output. Mirrors lib/pool_common.wgsl's
 * coveringOutputs.
 */
export function coveringOutputs(g: PoolGeometry, y: number, x: number): { oy0: number; ox0: number; oy1: number; ox1: number } {
  const { K, stride, pad, OH, OW } = g;
  return {
    oy0: Math.max(0, Math.ceil((y + pad - K + 1) / stride)),
    ox0: Math.max(0, Math.ceil((x + pad - K + 1) / stride)),
    oy1: Math.min(OH - 1, Math.floor((y + pad) / stride)),
    ox1: Math.min(OW - 1, Math.floor((x + pad) / stride)),
  };
}

/**
 * dX (B, H, W, C): each input receives the gradients of the outputs whose maximum it was,
 * times actPrev'(xPrev) (the activation of the layer whose output was pooled).
 */
export function maxPoolBackward(dX: Vec, dY: Vec, argmax: Uint32Array, xPrev: Vec, g: PoolGeometry, actPrev: Activation): void {
  const { B, C, H, W, OH, OW } = g;
  for (let p = 0; p < B * C; p++) {
    const b = Math.floor(p / C);
    const c = p % C;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const { oy0, ox0, oy1, ox1 } = coveringOutputs(g, y, x);
        let s = 0;
        for (let oy = oy0; oy <= oy1; oy++) {
          for (let ox = ox0; ox <= ox1; ox++) {
            const o = ((b * OH + oy) * OW + ox) * C + c;
            if (argmax[o] === y * W + x) s += dY[o];
          }
        }
        const at = ((b * H + y) * W + x) * C + c;
        dX[at] = s * activationGrad(xPrev[at], actPrev);
      }
    }
  }
}

/**
 * The cell of inputs output (oy, ox) owns when windows do not overlap (stride ≥ K), ends
 * exclusive: from its window's corner oy·S − P to the next one's, the first from 0 and the
 * last to the image's edge, clipped to the image. The cells tile the image. Mirrors
 * lib/pool_common.wgsl's poolCell.
 */
export function poolCell(g: PoolGeometry, oy: number, ox: number): { y0: number; x0: number; y1: number; x1: number } {
  const start = (o: number, n: number, count: number) => (o === 0 ? 0 : o >= count ? n : Math.min(n, Math.max(0, o * g.stride - g.pad)));
  return { y0: start(oy, g.H, g.OH), x0: start(ox, g.W, g.OW), y1: start(oy + 1, g.H, g.OH), x1: start(ox + 1, g.W, g.OW) };
}

/**
 * maxPoolBackward for windows that do not overlap (stride ≥ K), one output at a time: each
 * writes the cell of inputs it owns (poolCell), its gradient times actPrev'(xPrev) at its
 * maximum and 0 elsewhere. The same dX as maxPoolBackward.
 */
export function maxPoolBackwardCells(dX: Vec, dY: Vec, argmax: Uint32Array, xPrev: Vec, g: PoolGeometry, actPrev: Activation): void {
  const { B, C, H, W, K, stride, OH, OW } = g;
  if (stride < K) throw new Error(`maxPoolBackwardCells needs windows that do not overlap (stride ${stride} < window ${K}): use maxPoolBackward.`);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const { y0, x0, y1, x1 } = poolCell(g, oy, ox);
        for (let c = 0; c < C; c++) {
          const o = ((b * OH + oy) * OW + ox) * C + c;
          const at = argmax[o];
          const grad = at < H * W ? dY[o] * activationGrad(xPrev[(b * H * W + at) * C + c], actPrev) : 0;
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) dX[((b * H + y) * W + x) * C + c] = y * W + x === at ? grad : 0;
          }
        }
      }
    }
  }
}
