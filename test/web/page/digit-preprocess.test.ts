/**
 * The page's drawing → MNIST preprocessing, on synthetic strokes: scaling into the 20×20
 * box with the aspect ratio kept, centring by centre of mass, anti-aliased edges, and
 * invariance to where and how large the digit was drawn.
 */
import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBox, inkFromRgba, MNIST_SIDE, preprocessDigit } from '../../../web/page/digit-preprocess.ts';

const SIDE = 280;

/** A blank 280×280 canvas and a way to fill rectangles of full ink on it. */
function canvas() {
  const ink = new Float32Array(SIDE * SIDE);
  const rect = (x: number, y: number, w: number, h: number, value = 1) => {
    for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) ink[r * SIDE + c] = value;
  };
  return { ink, rect };
}

function digit(ink: Float32Array): Uint8Array {
  const out = preprocessDigit(ink, SIDE, SIDE);
  if (!out) throw new Error('expected a digit');
  return out;
}

const box = (d: Uint8Array) => inkBox(d, MNIST_SIDE, MNIST_SIDE)!;
const com = (d: Uint8Array) => centreOfMass(d, MNIST_SIDE, MNIST_SIDE);

describe('preprocessDigit', () => {
  it('finds nothing on a blank canvas', () => {
    expect(preprocessDigit(new Float32Array(SIDE * SIDE), SIDE, SIDE)).toBeNull();
  });

  it('scales a tall stroke to 20 pixels high, keeps its aspect ratio, and anti-aliases its sides', () => {
    const { ink, rect } = canvas();
    rect(30, 50, 40, 160); // 1 : 4, far from the centre
    const d = digit(ink);
    // 160 → 20 rows (scale 1/8): rows 4..23. 40 → 5 columns, centred at 14: 11.5..16.5.
    expect(box(d)).toEqual({ x0: 11, x1: 17, y0: 4, y1: 24 });
    const row = [...d.subarray(10 * MNIST_SIDE + 10, 10 * MNIST_SIDE + 18)];
    expect(row).toEqual([0, 128, 255, 255, 255, 255, 128, 0]);
  });

  it('scales a wide stroke to 20 pixels across', () => {
    const { ink, rect } = canvas();
    rect(20, 200, 240, 24); // 10 : 1
    const d = digit(ink);
    const b = box(d);
    expect(b.x1 - b.x0).toBe(20);
    expect(b.y1 - b.y0).toBeLessThanOrEqual(3); // 2 rows of ink, straddling pixel edges
    expect(d.reduce((s, v) => s + v, 0) / 255).toBeCloseTo(20 * 2, 0);
  });

  it('puts the centre of mass, not the bounding box, at the centre of the field', () => {
    const { ink, rect } = canvas();
    rect(100, 40, 20, 200); // an L: a long vertical stroke
    rect(100, 220, 120, 20); // and a foot to the right
    const d = digit(ink);
    const c = com(d);
    expect(c.x).toBeCloseTo(MNIST_SIDE / 2, 1);
    expect(c.y).toBeCloseTo(MNIST_SIDE / 2, 1);
    const b = box(d);
    expect(b.y1 - b.y0).toBe(20);
    // Most mass is in the vertical stroke, so the box reaches further right than left of centre.
    expect(b.x1 - MNIST_SIDE / 2).toBeGreaterThan(MNIST_SIDE / 2 - b.x0 + 2);
  });

  it('gives the same digit wherever it was drawn', () => {
    const a = canvas();
    a.rect(10, 10, 30, 90);
    a.rect(40, 60, 50, 12);
    const b = canvas();
    b.rect(170, 150, 30, 90);
    b.rect(200, 200, 50, 12);
    expect(digit(b.ink)).toEqual(digit(a.ink));
  });

  it('gives the same digit whatever size it was drawn at', () => {
    const small = canvas();
    small.rect(50, 50, 20, 60);
    small.rect(70, 70, 20, 10);
    const large = canvas();
    large.rect(20, 20, 80, 240);
    large.rect(100, 100, 80, 40);
    expect(digit(large.ink)).toEqual(digit(small.ink));
  });

  it('keeps the ink: the total brightness is the drawn area scaled by (20 / longer side)²', () => {
    const { ink, rect } = canvas();
    rect(60, 40, 70, 200, 0.6);
    const d = digit(ink);
    const expected = 0.6 * 70 * 200 * (20 / 200) ** 2;
    expect(d.reduce((s, v) => s + v, 0) / 255).toBeCloseTo(expected, 0);
    expect(Math.max(...d)).toBe(Math.round(0.6 * 255));
  });

  it('reads ink from the red channel of RGBA pixels', () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 51, 51, 51, 255]);
    expect(inkFromRgba(rgba, 3, 1)).toEqual(Float32Array.of(1, 0, 0.2));
  });

  it('resamples as the dense area-averaging product Wy · ink · Wxᵀ does, for drawings larger and smaller than the 20×20 box', () => {
    // The dense definition, one weight per source and output pixel pair (what the sparse loops must equal).
    const dense = (ink: Float32Array, width: number, height: number): Uint8Array => {
      const b = inkBox(ink, width, height)!;
      const [w, h] = [b.x1 - b.x0, b.y1 - b.y0];
      const scale = 20 / Math.max(w, h);
      const c = centreOfMass(ink, width, height);
      const weight = (t: number, i: number, offset: number) => {
        const lo = offset + scale * i;
        return Math.max(0, Math.min(lo + scale, t + 1) - Math.max(lo, t));
      };
      const [ox, oy] = [14 - scale * (c.x - b.x0), 14 - scale * (c.y - b.y0)];
      const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
      for (let ty = 0; ty < MNIST_SIDE; ty++) {
        for (let tx = 0; tx < MNIST_SIDE; tx++) {
          let s = 0;
          for (let i = 0; i < h; i++) {
            for (let x = 0; x < w; x++) s += weight(ty, i, oy) * ink[(b.y0 + i) * width + b.x0 + x] * weight(tx, x, ox);
          }
          out[ty * MNIST_SIDE + tx] = Math.round(255 * Math.min(1, s));
        }
      }
      return out;
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const [side, x0, y0, w, h] of [[280, 37, 52, 170, 201], [60, 20, 21, 9, 13], [40, 3, 5, 31, 6]]) {
      const ink = new Float32Array(side * side);
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) ink[y * side + x] = random() < 0.4 ? random() : 0;
      const got = preprocessDigit(ink, side, side)!;
      const want = dense(ink, side, side);
      const worst = Math.max(...got.map((v, i) => Math.abs(v - want[i])));
      // Summation order differs; a value on a rounding boundary may move by one grey level.
      expect(worst, `${w}×${h} on ${side}×${side}`).toBeLessThanOrEqual(1);
      expect(got.reduce((a, v) => a + v, 0)).toBeGreaterThan(0);
    }
  });
});
