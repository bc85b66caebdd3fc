/**
 * The feature maps of the digit being drawn, layer by layer: one row per convolution or
 * pooling layer, one small image per channel. The worker computes and colours them
 * (web/shared/feature-maps.ts featureImages); this view only puts their pixels on canvases,
 * keeps its canvases while the layers' shapes stay the same (each pen stroke), so a stroke
 * costs the page a few putImageData calls rather than a new set of elements, and draws only
 * while the maps are on screen (the latest ones wait until they are scrolled into view).
 */
import type { FeatureImages } from '../shared/feature-maps.ts';

/** Channels per row of a layer's image; CSS pixels per channel across. */
const PER_ROW = 16;
const CHANNEL_CSS_PX = 56;
/** Between channels, in the layer's own pixels: the page's background shows through. */
const GAP = 1;

interface LayerCanvas {
  ctx: CanvasRenderingContext2D;
  image: ImageData;
  perRow: number;
}

export class FeatureMapView {
  /** The shapes the canvases were built for ("label|CxHxW|shown" per layer), and one canvas per layer. */
  private layout = '';
  private layers: LayerCanvas[] = [];
  private visible = false;
  /** The latest maps, not drawn yet because they were off screen. */
  private waiting: FeatureImages[] | null = null;

  constructor(private readonly container: HTMLElement, private readonly caption: HTMLElement) {
    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible && this.waiting) this.show(this.waiting);
    }).observe(container.parentElement ?? container);
  }

  clear(text: string): void {
    this.waiting = null;
    this.container.replaceChildren();
    this.layout = '';
    this.layers = [];
    this.caption.textContent = text;
  }

  show(features: FeatureImages[]): void {
    if (features.length === 0) {
      this.clear('Feature maps: this network has no convolution layers (its first layer is dense).');
      return;
    }
    this.waiting = this.visible ? null : features;
    if (!this.visible) return;
    const layout = features.map((f) => `${f.label}|${f.shape.channels}x${f.shape.height}x${f.shape.width}|${f.channels.length}`).join(';');
    if (layout !== this.layout) this.build(features, layout);
    features.forEach((f, l) => {
      const { ctx, image, perRow } = this.layers[l];
      const { height: H, width: W } = f.shape;
      // Each channel's rows into its tile of the layer's image.
      f.channels.forEach((rgba, c) => {
        const left = (c % perRow) * (W + GAP);
        const top = Math.floor(c / perRow) * (H + GAP);
        for (let y = 0; y < H; y++) image.data.set(rgba.subarray(4 * y * W, 4 * (y + 1) * W), 4 * ((top + y) * image.width + left));
      });
      ctx.putImageData(image, 0, 0);
    });
  }

  /** One canvas per layer, its channels tiled PER_ROW to a row. */
  private build(features: FeatureImages[], layout: string): void {
    this.layout = layout;
    this.caption.textContent =
      'Feature maps of your drawing, layer by layer: each image is one channel (white or red: large activations, blue: negative; each layer on one scale).';
    this.layers = [];
    this.container.replaceChildren(
      ...features.map((map, l) => {
        const { channels, height: H, width: W } = map.shape;
        const shown = map.channels.length;
        const perRow = Math.min(shown, PER_ROW);
        const rows = Math.ceil(shown / perRow);
        const row = document.createElement('div');
        row.className = 'feature-layer';
        row.dataset.layer = String(l);
        row.dataset.shape = `${channels}x${H}x${W}`;
        const title = document.createElement('p');
        title.className = 'feature-title';
        title.textContent = `${map.label} → ${channels} × ${H}×${W}${shown < channels ? ` (first ${shown} channels)` : ''}`;
        const canvas = document.createElement('canvas');
        canvas.className = 'feature-channels';
        canvas.width = perRow * (W + GAP) - GAP;
        canvas.height = rows * (H + GAP) - GAP;
        canvas.style.width = `${(perRow * CHANNEL_CSS_PX * canvas.width) / (perRow * W)}px`;
        Object.assign(canvas.dataset, { channels: String(shown), perRow: String(perRow), tile: `${W}x${H}` });
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `${shown === channels ? `the ${channels}` : `the first ${shown} of ${channels}`} channels of ${map.label}`);
        const ctx = canvas.getContext('2d')!;
        const image = new ImageData(canvas.width, canvas.height);
        image.data.fill(255);
        this.layers.push({ ctx, image, perRow });
        row.append(title, canvas);
        return row;
      }),
    );
  }
}
