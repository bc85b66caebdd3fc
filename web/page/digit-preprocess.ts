/**
 * A drawing turned into an MNIST digit, the way LeCun, Cortes and Burges prepared the
 * originals: the ink's bounding box is scaled to fit a 20×20 box, aspect ratio kept, with
 * anti-aliasing (grey levels at the edges), then placed in a 28×28 field so that its
 * centre of mass sits at the field's centre. Pixels are bytes, 0 background, 255 ink.
 *
 * Scaling and centring are one resampling step: each source pixel is a square of side
 * `scale` in the 28×28 field, and each output pixel is the ink it covers (area
 * averaging, exact for any scale, so nothing aliases). The centre of mass is preserved
 * by this map, which is what lets it be placed before resampling.
 */

export const MNIST_SIDE = 28;
/** The box the digit's longer side is scaled to. */
const MNIST_BOX = 20;

/** Ink per pixel in [0, 1] from canvas RGBA with light strokes on black (the red channel). */
export function inkFromRgba(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
  return ink;
}

export interface InkBox {
  x0: number;
  y0: number;
  /** Exclusive. */
  x1: number;
  y1: number;
}

/** The smallest box holding every inked pixel, or null for a blank image. */
export function inkBox(ink: ArrayLike<number>, width: number, height: number): InkBox | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x + 1);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  return x1 > 0 ? { x0, y0, x1, y1 } : null;
}

/**
 * Centre of mass of the ink in continuous coordinates (pixel i covers [i, i + 1), so a
 * single pixel's centre is i + 0.5).
 */
export function centreOfMass(ink: ArrayLike<number>, width: number, height: number): { x: number; y: number } {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return { x: mx / mass, y: my / mass };
}

/**
 * How source interval i, mapped to [offset + scale·i, offset + scale·(i + 1)), covers the
 * output pixels: it overlaps pixels first[i] .. first[i] + count[i] − 1 (at most a few,
 * since scale ≤ 1 for any drawing larger than the 20×20 box), by lengths
 * weight[i · span + k] for the k-th of them. Kept sparse so the resampling costs a few
 * operations per source pixel rather than one per source and output pixel pair.
 */
interface Coverage {
  first: Int32Array;
  count: Int32Array;
  weight: Float64Array;
  span: number;
}

function coverage(n: number, scale: number, offset: number): Coverage {
  const span = Math.ceil(scale) + 1;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weight = new Float64Array(n * span);
  for (let i = 0; i < n; i++) {
    const lo = offset + scale * i;
    const hi = lo + scale;
    const t0 = Math.max(0, Math.floor(lo));
    const t1 = Math.min(MNIST_SIDE, Math.ceil(hi));
    first[i] = t0;
    count[i] = Math.max(0, t1 - t0);
    for (let t = t0; t < t1; t++) weight[i * span + t - t0] = Math.min(hi, t + 1) - Math.max(lo, t);
  }
  return { first, count, weight, span };
}

/** The 28×28 MNIST-style digit (bytes, row-major) for `ink` (width × height in [0, 1]), or null when nothing is drawn. */
export function preprocessDigit(ink: ArrayLike<number>, width: number, height: number): Uint8Array | null {
  const box = inkBox(ink, width, height);
  if (!box) return null;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const scale = MNIST_BOX / Math.max(w, h);
  const com = centreOfMass(ink, width, height);
  const centre = MNIST_SIDE / 2;
  // Source column x0 + i lands at offsetX + scale·i; the centre of mass lands on the centre.
  const cx = coverage(w, scale, centre - scale * (com.x - box.x0));
  const cy = coverage(h, scale, centre - scale * (com.y - box.y0));

  // out = Wy · ink[box] · Wxᵀ, rows first: rowsDone[i, tx] = Σ_x ink[y0 + i, x0 + x] · wx[tx, x].
  const rowsDone = new Float64Array(h * MNIST_SIDE);
  for (let i = 0; i < h; i++) {
    const src = (box.y0 + i) * width + box.x0;
    for (let x = 0; x < w; x++) {
      const v = ink[src + x];
      if (v === 0) continue;
      for (let k = 0; k < cx.count[x]; k++) rowsDone[i * MNIST_SIDE + cx.first[x] + k] += v * cx.weight[x * cx.span + k];
    }
  }
  // Then columns: out[ty, tx] = Σ_i wy[ty, i] · rowsDone[i, tx].
  const sums = new Float64Array(MNIST_SIDE * MNIST_SIDE);
  for (let i = 0; i < h; i++) {
    for (let k = 0; k < cy.count[i]; k++) {
      const ty = cy.first[i] + k;
      const wy = cy.weight[i * cy.span + k];
      for (let tx = 0; tx < MNIST_SIDE; tx++) sums[ty * MNIST_SIDE + tx] += wy * rowsDone[i * MNIST_SIDE + tx];
    }
  }
  return Uint8Array.from(sums, (s) => Math.round(255 * Math.min(1, s)));
}
