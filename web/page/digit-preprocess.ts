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
export const MNIST_BOX = 20;

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
 * coverage[t · n + i]: length of source interval i, mapped to [offset + scale·i,
 * offset + scale·(i + 1)), that falls inside output pixel t (0 ≤ t < MNIST_SIDE).
 */
function coverage(n: number, scale: number, offset: number): Float32Array {
  const w = new Float32Array(MNIST_SIDE * n);
  for (let i = 0; i < n; i++) {
    const lo = offset + scale * i;
    const hi = lo + scale;
    for (let t = Math.max(0, Math.floor(lo)); t < Math.min(MNIST_SIDE, Math.ceil(hi)); t++) {
      w[t * n + i] = Math.min(hi, t + 1) - Math.max(lo, t);
    }
  }
  return w;
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
  const wx = coverage(w, scale, centre - scale * (com.x - box.x0));
  const wy = coverage(h, scale, centre - scale * (com.y - box.y0));

  // out = Wy · ink[box] · Wxᵀ, rows first: rowsDone[i, tx] = Σ_x ink[y0 + i, x0 + x] · wx[tx, x].
  const rowsDone = new Float32Array(h * MNIST_SIDE);
  for (let i = 0; i < h; i++) {
    const src = (box.y0 + i) * width + box.x0;
    for (let tx = 0; tx < MNIST_SIDE; tx++) {
      let s = 0;
      for (let x = 0; x < w; x++) s += ink[src + x] * wx[tx * w + x];
      rowsDone[i * MNIST_SIDE + tx] = s;
    }
  }
  const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  for (let ty = 0; ty < MNIST_SIDE; ty++) {
    for (let tx = 0; tx < MNIST_SIDE; tx++) {
      let s = 0;
      for (let i = 0; i < h; i++) s += wy[ty * h + i] * rowsDone[i * MNIST_SIDE + tx];
      out[ty * MNIST_SIDE + tx] = Math.round(255 * Math.min(1, s));
    }
  }
  return out;
}
