/**
 * Average pooling and global average pooling, forward and backward, batched, channels last
 * (NHWC). Deliberately plain loops, one function per kernel, mirroring
 * shaders/avgpool_forward.wgsl, avgpool_backward.wgsl, globalavgpool_forward.wgsl and
 * globalavgpool_backward.wgsl (src/gpu/ops/avgpool.ts), so the kernels can be checked
 * against them and the CPU trainer runs the same algorithm.
 *
 * Average pooling: windows of K × K with stride S over the input padded by P zeros on each
 * side; every window's sum is divided by K·K, padding included (PyTorch's AvgPool2d with
 * count_include_pad=True, its default). Global average pooling: the mean of each channel
 * over all H × W positions (nn.AdaptiveAvgPool2d(1)), output (B, 1, 1, C).
 */
import type { Activation } from '../model/spec.ts';
import { activationGrad } from './activations.ts';
import type { Vec } from './matmul.ts';
import { coveringOutputs, type PoolGeometry } from './pool.ts';

/** out (B, OH, OW, C) = Σ of each K × K window of x (B, H, W, C), zero padded, / K². */
export function avgPoolForward(out: Vec, x: Vec, g: PoolGeometry): void {
  const { B, C, H, W, K, stride, pad, OH, OW } = g;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let i = 0; i < K; i++) {
            const y = oy * stride - pad + i;
            if (y < 0 || y >= H) continue;
            for (let j = 0; j < K; j++) {
              const xx = ox * stride - pad + j;
              if (xx < 0 || xx >= W) continue;
              s += x[((b * H + y) * W + xx) * C + c];
            }
          }
          out[((b * OH + oy) * OW + ox) * C + c] = s / (K * K);
        }
      }
    }
  }
}

/**
 * dX (B, H, W, C) = actPrev'(xPrev) · Σ dY / K² over the outputs whose window covers the
 * input (actPrev: the activation of the layer whose output was pooled).
 */
export function avgPoolBackward(dX: Vec, dY: Vec, xPrev: Vec, g: PoolGeometry, actPrev: Activation): void {
  const { B, C, H, W, K, OH, OW } = g;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const { oy0, ox0, oy1, ox1 } = coveringOutputs(g, y, x);
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let oy = oy0; oy <= oy1; oy++) {
            for (let ox = ox0; ox <= ox1; ox++) s += dY[((b * OH + oy) * OW + ox) * C + c];
          }
          const at = ((b * H + y) * W + x) * C + c;
          dX[at] = (s / (K * K)) * activationGrad(xPrev[at], actPrev);
        }
      }
    }
  }
}

/** out (B, C) = the mean of each channel of x (B, H, W, C) over its H·W positions. */
export function globalAvgPoolForward(out: Vec, x: Vec, B: number, C: number, H: number, W: number): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let p = 0; p < H * W; p++) s += x[(b * H * W + p) * C + c];
      out[b * C + c] = s / (H * W);
    }
  }
}

/** dX (B, H, W, C) = actPrev'(xPrev) · dY[b, c] / (H·W): every position shares its channel's gradient. */
export function globalAvgPoolBackward(dX: Vec, dY: Vec, xPrev: Vec, B: number, C: number, H: number, W: number, actPrev: Activation): void {
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < C; c++) {
        const at = (b * H * W + p) * C + c;
        dX[at] = (dY[b * C + c] / (H * W)) * activationGrad(xPrev[at], actPrev);
      }
    }
  }
}
