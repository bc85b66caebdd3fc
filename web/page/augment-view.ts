/** "What the network trains on": a grid of training images as the run's augmentation transforms them. */
import type { AugmentPreview } from '../shared/worker-protocol.ts';
import { channelsLastRgba } from './image-rgba.ts';

export class AugmentView {
  constructor(private readonly status: HTMLElement, private readonly grid: HTMLElement) {}

  /** `names`: the classes' names (an image folder's), else the labels show as numbers. */
  show(p: AugmentPreview, names: readonly string[] = []): void {
    const name = (k: number) => names[k] ?? String(k);
    this.status.classList.remove('error');
    this.status.textContent = p.augmented
      ? `The first ${p.count} training images as epoch 1 transforms them (each epoch draws new transforms; validation images are never transformed).`
      : `The first ${p.count} training images, untransformed: choose an augmentation in the form to see what it does.`;
    const size = p.rows * p.cols;
    const C = p.channels;
    this.grid.replaceChildren(
      ...Array.from({ length: p.count }, (_, i) => {
        const figure = document.createElement('figure');
        figure.className = 'thumb';
        const canvas = document.createElement('canvas');
        canvas.width = p.cols;
        canvas.height = p.rows;
        const pixels = p.images.subarray(i * size * C, (i + 1) * size * C);
        canvas.getContext('2d')!.putImageData(new ImageData(channelsLastRgba(pixels, C, size), p.cols, p.rows), 0, 0);
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `training image ${i}${p.augmented ? ', transformed' : ''}, label ${name(p.labels[i])}`);
        const label = document.createElement('figcaption');
        label.textContent = name(p.labels[i]);
        figure.append(canvas, label);
        return figure;
      }),
    );
  }

  fail(message: string): void {
    this.status.textContent = message;
    this.status.classList.add('error');
  }
}
