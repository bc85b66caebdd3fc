/**
 * Drawing a digit with a mouse, pen or finger (pointer events), light strokes on black as
 * in MNIST. After each stroke segment (at most once per frame) the drawing is turned into
 * a 28×28 MNIST digit and handed to `onDigit` as a numbered version
 * with the time of the latest pointer event it includes, so the page can tell a stale
 * answer from a current one and measure input-to-prediction latency.
 */
import { inkFromRgba, preprocessDigit } from './digit-preprocess.ts';

/** One state of the pad: the digit (null when empty), numbered in order of change. */
export interface Drawing {
  pixels: Uint8Array | null;
  /** The file bytes of an image dropped or opened on the pad, until a stroke or Clear: a colour network classifies it in colour. */
  image: Uint8Array | null;
  version: number;
  /** performance.now() time of the latest input this drawing includes. */
  inputTime: number;
}

/** Stroke width as a fraction of the pad: a digit drawn across most of the pad gets MNIST-like 2–3 pixel strokes. */
const STROKE_FRACTION = 0.075;
/** Ink below this (0–1) in an opened image is background: paper grain, JPEG noise. */
const IMAGE_INK_FLOOR = 0.15;

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private pending = false;
  private version = 0;
  private inputTime = 0;
  /** The pad's place on screen during a stroke. */
  private rect: DOMRect | null = null;
  /** The file of the image shown, while nothing is drawn over it. */
  private image: Uint8Array | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onDigit: (drawing: Drawing) => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, () => (this.last = this.rect = null));
    this.clear();
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.last = null;
    this.image = null;
    this.inputTime = performance.now();
    this.hand(null);
  }

  /**
   * An image (dropped or opened) as a drawing: scaled to fit the pad with its aspect ratio
   * kept, flattened on white, and turned into light strokes on black when its border is
   * light (ink on paper); a faint background (below IMAGE_INK_FLOOR) is no ink. Then it is
   * prepared and classified as a drawing is, and further strokes draw over it. `file`: the
   * image's bytes, which a colour network classifies instead, in colour, until a stroke.
   */
  showImage(image: CanvasImageSource, width: number, height: number, file: Uint8Array | null = null): void {
    const { width: W, height: H } = this.canvas;
    const scratch = document.createElement('canvas');
    scratch.width = W;
    scratch.height = H;
    const s = scratch.getContext('2d', { willReadFrequently: true })!;
    s.fillStyle = '#fff';
    s.fillRect(0, 0, W, H);
    const scale = Math.min(W / width, H / height);
    s.drawImage(image, (W - width * scale) / 2, (H - height * scale) / 2, width * scale, height * scale);
    const rgba = s.getImageData(0, 0, W, H);
    const d = rgba.data;
    const luminance = (p: number) => (0.299 * d[4 * p] + 0.587 * d[4 * p + 1] + 0.114 * d[4 * p + 2]) / 255;
    let border = 0;
    for (let x = 0; x < W; x++) border += luminance(x) + luminance((H - 1) * W + x);
    for (let y = 0; y < H; y++) border += luminance(y * W) + luminance(y * W + W - 1);
    const inkOnPaper = border / (2 * (W + H)) > 0.5;
    for (let p = 0; p < W * H; p++) {
      const ink = inkOnPaper ? 1 - luminance(p) : luminance(p);
      const v = Math.round(255 * Math.max(0, (ink - IMAGE_INK_FLOOR) / (1 - IMAGE_INK_FLOOR)));
      d[4 * p] = d[4 * p + 1] = d[4 * p + 2] = v;
      d[4 * p + 3] = 255;
    }
    this.ctx.putImageData(rgba, 0, 0);
    this.last = null;
    this.image = file;
    this.inputTime = performance.now();
    this.hand(this.digit());
  }

  /** The current drawing as an MNIST digit, or null when the pad is empty. */
  digit(): Uint8Array | null {
    const { width, height } = this.canvas;
    return preprocessDigit(inkFromRgba(this.ctx.getImageData(0, 0, width, height).data, width, height), width, height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    // Measured once per stroke: asking for it on every move would force a layout after each prediction shown.
    const r = (this.rect ??= this.canvas.getBoundingClientRect());
    return { x: ((e.clientX - r.left) / r.width) * this.canvas.width, y: ((e.clientY - r.top) / r.height) * this.canvas.height };
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    // Drawn over: the pad's drawing is what is classified now.
    this.image = null;
    this.inputTime = e.timeStamp;
    this.canvas.setPointerCapture(e.pointerId);
    this.rect = null;
    this.last = this.point(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    this.inputTime = e.timeStamp;
    const p = this.point(e);
    this.segment(this.last, p);
    this.last = p;
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = STROKE_FRACTION * this.canvas.width;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.scheduleUpdate();
  }

  private scheduleUpdate(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.hand(this.digit());
    });
  }

  private hand(pixels: Uint8Array | null): void {
    this.version++;
    this.canvas.dataset.version = String(this.version);
    this.onDigit({ pixels, image: pixels && this.image, version: this.version, inputTime: this.inputTime });
  }
}
