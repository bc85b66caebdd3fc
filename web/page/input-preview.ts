/**
 * "What the network sees", next to the drawing pad: the image the network was fed for the
 * drawing (web/worker/network-input.ts), at the network's size and in its channels. For a
 * network of MNIST's 28×28 gray input that is the pad's digit, drawn at once with every
 * stroke; a network of another size or colour is fed the digit resized (and copied into R,
 * G and B), or a dropped image in its colours, so its preview is the input the worker
 * reports with each answer, and the last one stays until the next arrives.
 */
import type { ImagePlanes } from '../../src/data/image-assembly.ts';
import { MNIST_SIDE } from './digit-preprocess.ts';
import { planesRgba } from './image-rgba.ts';

const DIGIT: Pick<ImagePlanes, 'channels' | 'rows' | 'cols'> = { channels: 1, rows: MNIST_SIDE, cols: MNIST_SIDE };

export class InputPreview {
  /** Whether the network last fed is one of another input than the pad's digit. */
  private otherInput = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly caption: HTMLElement,
  ) {
    this.digit(null);
  }

  /** The pad's digit (null: empty), shown at once unless the network takes another input. */
  digit(pixels: Uint8Array | null): void {
    if (!pixels) this.blank();
    else if (!this.otherInput) this.draw({ ...DIGIT, planes: pixels });
  }

  /** What the network was fed for the drawing on the pad. */
  fed(input: ImagePlanes): void {
    this.otherInput = input.channels !== DIGIT.channels || input.rows !== DIGIT.rows || input.cols !== DIGIT.cols;
    this.draw(input);
  }

  /** No network took the drawing (it failed, or there is none): the pad's digit again. */
  reset(pixels: Uint8Array | null): void {
    this.otherInput = false;
    this.digit(pixels);
  }

  /** An empty pad: black, at the size shown. */
  private blank(): void {
    const { width, height } = this.canvas;
    const ctx = this.canvas.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
  }

  private draw({ channels, rows, cols, planes }: ImagePlanes): void {
    const shape = `${channels}x${rows}x${cols}`;
    // The canvas and caption change only with the shape, not with every stroke.
    if (this.canvas.dataset.shape !== shape) {
      [this.canvas.width, this.canvas.height] = [cols, rows];
      this.canvas.dataset.shape = shape;
      this.caption.textContent = `what the network sees (${rows}×${cols}${channels === 3 ? ', in colour' : ''})`;
    }
    this.canvas.getContext('2d')!.putImageData(new ImageData(planesRgba(planes, channels, rows * cols), cols, rows), 0, 0);
  }
}
