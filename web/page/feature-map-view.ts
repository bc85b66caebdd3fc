/**
 * The feature maps of the digit being drawn, layer by layer: one row per convolution or
 * pooling layer, one small image per channel (web/shared/feature-maps.ts computes them).
 */
import { channel, type FeatureMap } from '../shared/feature-maps.ts';
import { heatmapCanvas, maxAbs } from './heatmap.ts';

/** Channels shown per layer at most; wide layers show their first ones. */
const MAX_CHANNELS = 32;

export class FeatureMapView {
  constructor(private readonly container: HTMLElement, private readonly caption: HTMLElement) {}

  clear(text: string): void {
    this.container.replaceChildren();
    this.caption.textContent = text;
  }

  show(features: FeatureMap[]): void {
    if (features.length === 0) {
      this.clear('Feature maps: this network has no convolution layers (its first layer is dense).');
      return;
    }
    this.caption.textContent =
      'Feature maps of your drawing, layer by layer: each image is one channel (white or red: large activations, blue: negative; each layer on one scale).';
    this.container.replaceChildren(
      ...features.map((map, l) => {
        const { channels, height, width } = map.shape;
        const row = document.createElement('div');
        row.className = 'feature-layer';
        row.dataset.layer = String(l);
        row.dataset.shape = `${channels}x${height}x${width}`;
        const title = document.createElement('p');
        title.className = 'feature-title';
        const shown = Math.min(channels, MAX_CHANNELS);
        title.textContent = `${map.label} → ${channels} × ${height}×${width}${shown < channels ? ` (first ${shown} channels)` : ''}`;
        const maps = document.createElement('div');
        maps.className = 'feature-channels';
        const scale = maxAbs(map.values);
        // ReLU maps are ≥ 0 (grey); other activations can be negative (red and blue).
        const signed = map.values.some((v) => v < 0);
        for (let c = 0; c < shown; c++) {
          const canvas = heatmapCanvas(channel(map, c), height, width, signed, scale);
          canvas.title = `${map.label}, channel ${c + 1}`;
          canvas.setAttribute('role', 'img');
          canvas.setAttribute('aria-label', `channel ${c + 1} of ${map.label}`);
          maps.append(canvas);
        }
        row.append(title, maps);
        return row;
      }),
    );
  }
}
