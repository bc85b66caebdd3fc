/**
 * Data augmentation in the mini-batch gather, the twin of shaders/augment_field_rows.wgsl,
 * augment_field_cols.wgsl and augment_gather.wgsl (formulas in their headers and in
 * shaders/lib/augment_common.wgsl): a random affine map (rotation, scale, shear, shift)
 * and/or Simard et al.'s (2003) elastic distortion, bilinear sampling, 0 outside the image.
 * The draws are the same counter-based hash of (seed, epoch, image, slot) as the GPU's, so
 * both trainers transform an image alike (to float rounding: sin, cos and exp differ in
 * the last bits) and a resumed run draws what the uninterrupted one would. Plain loops,
 * deliberately unoptimised, like the rest of src/cpu.
 */
import { pcgHash } from './dropout.ts';
import type { Vec } from './matmul.ts';

/** The ranges each affine parameter is drawn from, uniformly: [lo, hi]. */
export interface AffineRanges {
  /** Radians; positive turns the image clockwise on screen (y points down). */
  rotate: [number, number];
  /** The scale factor (1 = unchanged). */
  scale: [number, number];
  /** Radians: x shifted by tan(shear) · y. */
  shear: [number, number];
  /** Pixels, the same range for x and y. */
  shift: [number, number];
}

/** What both the GPU's AugmentDims and these functions take, besides the sizes. */
export interface AugmentParams {
  seed: number;
  /** Training mini-batches per epoch: the GPU finds the epoch from the steps taken (Optimizer.t0). */
  stepsPerEpoch: number;
  affine: AffineRanges | null;
  /** The Gaussian's σ (pixels) and the field's scale α (pixels). */
  elastic: { sigma: number; alpha: number } | null;
}

/** The image sizes: channels, rows, columns (one transform for all the channels of an image). */
export interface ImageShape {
  C: number;
  H: number;
  W: number;
}

/** A split's image shape. */
export function imageShape(split: { channels: number; rows: number; cols: number }): ImageShape {
  return { C: split.channels, H: split.rows, W: split.cols };
}

/** Slots of the affine draws (0–4) come before the elastic noise's (AFFINE_SLOTS + 2·pixel + k). */
const AFFINE_SLOTS = 8;

/** The truncation radius of the elastic field's Gaussian: ceil(3σ). */
export const gaussRadius = (sigma: number) => Math.ceil(3 * sigma);

/** The 2R + 1 weights exp(−j² / 2σ²), j = −R..R, normalised to sum 1: the smoothing kernels' `w` buffer. */
export function gaussWeights(sigma: number): Float32Array {
  const R = gaussRadius(sigma);
  const w = Array.from({ length: 2 * R + 1 }, (_, k) => Math.exp(-((k - R) ** 2) / (2 * sigma * sigma)));
  const sum = w.reduce((a, v) => a + v, 0);
  return Float32Array.from(w, (v) => v / sum);
}

/** An image's key for an epoch: every draw of that image hashes it with its slot. */
function augmentKey(seed: number, epoch: number, i: number): number {
  return pcgHash((i ^ pcgHash((epoch ^ pcgHash(seed >>> 0)) >>> 0)) >>> 0);
}

/** u(i, slot) in [0, 1): 24 bits of the hash of the image's key and the slot. */
function augmentUniform(key: number, slot: number): number {
  return (pcgHash((key ^ pcgHash(slot)) >>> 0) >>> 8) / 16777216;
}

const augmentRange = (key: number, slot: number, [lo, hi]: [number, number]) =>
  Math.fround(lo + Math.fround(augmentUniform(key, slot) * Math.fround(hi - lo)));

/** The affine transform drawn for image i in an epoch. */
export function affineDraw(a: AffineRanges, seed: number, epoch: number, i: number): { theta: number; scale: number; shear: number; tx: number; ty: number } {
  const key = augmentKey(seed, epoch, i);
  return {
    theta: augmentRange(key, 0, a.rotate),
    scale: augmentRange(key, 1, a.scale),
    shear: augmentRange(key, 2, a.shear),
    tx: augmentRange(key, 3, a.shift),
    ty: augmentRange(key, 4, a.shift),
  };
}

/** augment_noise: each image's field before smoothing, uniform in [−1, 1], (B, H, W, 2). */
function augmentNoise(noise: Vec, indices: Uint32Array, start: number, B: number, { H, W }: ImageShape, seed: number, epoch: number): void {
  for (let b = 0; b < B; b++) {
    const key = augmentKey(seed, epoch, indices[start + b]);
    for (let pix = 0; pix < H * W; pix++) {
      for (let k = 0; k < 2; k++) noise[(b * H * W + pix) * 2 + k] = 2 * augmentUniform(key, AFFINE_SLOTS + 2 * pix + k) - 1;
    }
  }
}

/** augment_field_rows: the noise convolved along rows with the weights w (2R + 1), (B, H, W, 2). */
function augmentFieldRows(tmp: Vec, noise: Vec, w: Float32Array, B: number, { H, W }: ImageShape): void {
  const R = (w.length - 1) / 2;
  for (let row = 0; row < B * H; row++) {
    for (let x = 0; x < W; x++) {
      for (let k = 0; k < 2; k++) {
        let acc = 0;
        for (let j = Math.max(-R, -x); j <= Math.min(R, W - 1 - x); j++) acc += w[j + R] * noise[(row * W + x + j) * 2 + k];
        tmp[(row * W + x) * 2 + k] = acc;
      }
    }
  }
}

/** augment_field_cols: tmp convolved along columns with w, times α: the displacement in pixels, (B, H, W, 2). */
function augmentFieldCols(field: Vec, tmp: Vec, w: Float32Array, B: number, { H, W }: ImageShape, alpha: number): void {
  const R = (w.length - 1) / 2;
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let k = 0; k < 2; k++) {
          let acc = 0;
          for (let j = Math.max(-R, -y); j <= Math.min(R, H - 1 - y); j++) acc += w[j + R] * tmp[((b * H + y + j) * W + x) * 2 + k];
          field[((b * H + y) * W + x) * 2 + k] = alpha * acc;
        }
      }
    }
  }
}

/**
 * augment_gather: rows indices[start .. start + B) of the u8 image set (channels last, as the
 * batch: pixel (y, x) of channel c at (y·W + x)·C + c), each transformed
 * (field: the elastic displacement from augmentFieldCols, or null), scaled to [0, 1]; labels.
 */
function augmentGather(
  x: Vec, y: Uint32Array, images: Uint8Array, labels: Uint8Array, indices: Uint32Array, start: number, B: number,
  { C, H, W }: ImageShape, field: Vec | null, p: AugmentParams, epoch: number,
): void {
  const HW = H * W;
  const P = C * HW;
  const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
  for (let b = 0; b < B; b++) {
    const i = indices[start + b];
    const a = p.affine && affineDraw(p.affine, p.seed, epoch, i);
    for (let pix = 0; pix < HW; pix++) {
      let qx = pix % W;
      let qy = Math.floor(pix / W);
      if (p.elastic && field) {
        qx += field[(b * HW + pix) * 2];
        qy += field[(b * HW + pix) * 2 + 1];
      }
      if (a) {
        const [vx, vy] = [qx - cx - a.tx, qy - cy - a.ty];
        const [co, si] = [Math.cos(a.theta), Math.sin(a.theta)];
        const [rx, ry] = [co * vx + si * vy, co * vy - si * vx];
        qx = cx + (rx - Math.tan(a.shear) * ry) / a.scale;
        qy = cy + ry / a.scale;
      }
      const [x0, y0] = [Math.floor(qx), Math.floor(qy)];
      const [fx, fy] = [qx - x0, qy - y0];
      for (let c = 0; c < C; c++) {
        const base = i * P;
        const px = (row: number, col: number) => (row < 0 || col < 0 || row >= H || col >= W ? 0 : images[base + (row * W + col) * C + c] / 255);
        x[b * P + pix * C + c] =
          (px(y0, x0) * (1 - fx) + px(y0, x0 + 1) * fx) * (1 - fy) + (px(y0 + 1, x0) * (1 - fx) + px(y0 + 1, x0 + 1) * fx) * fy;
      }
    }
    y[b] = labels[i];
  }
}

/**
 * The whole augmented gather: the elastic field first when there is one (noise, rows,
 * columns; the scratch: (B, H, W, 2) floats each, `field` also holding the noise).
 */
export function augmentBatch(
  x: Vec, y: Uint32Array, images: Uint8Array, labels: Uint8Array, indices: Uint32Array, start: number, B: number,
  shape: ImageShape, p: AugmentParams, epoch: number, scratch: { tmp: Float32Array; field: Float32Array },
): void {
  if (p.elastic) {
    const w = gaussWeights(p.elastic.sigma);
    augmentNoise(scratch.field, indices, start, B, shape, p.seed, epoch);
    augmentFieldRows(scratch.tmp, scratch.field, w, B, shape);
    augmentFieldCols(scratch.field, scratch.tmp, w, B, shape, p.elastic.alpha);
  }
  augmentGather(x, y, images, labels, indices, start, B, shape, p.elastic ? scratch.field : null, p, epoch);
}
