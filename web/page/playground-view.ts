/**
 * The convolution playground card: reads its form into a PlaygroundRequest, shows the
 * image and every result with its output size worked out, and reads out the value under
 * a click. The worker runs the request (on the GPU: web/worker/playground-gpu.ts). A colour
 * image shows in colour, as does its max pooling; each kernel's result is one channel.
 */
import type { PlaygroundOutput, PlaygroundRequest, PlaygroundResult } from '../shared/worker-protocol.ts';
import { maxAbs } from '../shared/heatmap.ts';
import { heatmapCanvas } from './heatmap.ts';
import { channelsLastRgba, rgbaCanvas } from './image-rgba.ts';
import { LatestRequest } from './latest-request.ts';

/** What the status adds about a colour image: how its channels go through. */
const COLOUR_NOTE =
  'The image is in colour: each kernel is one filter over its red, green and blue channels, a third on each, as a convolution layer ' +
  "filters a colour image, so its result is one channel (the kernel applied to the channels' mean); max pooling works on each channel alone and stays in colour.";

/**
 * Non-negative values of 1 or 3 channels (channels last) as a canvas, black at 0 and full
 * brightness at `scale` (default: the largest value): gray, or colour on one scale.
 */
function brightnessCanvas(values: Float32Array, height: number, width: number, channels: number, scale = maxAbs(values)): HTMLCanvasElement {
  if (channels === 1) return heatmapCanvas(values, height, width, false, scale);
  return rgbaCanvas(channelsLastRgba(values.map((v) => (255 * v) / scale), channels, height * width), height, width);
}

/** Row and column steps of the arrow keys. */
const ARROWS: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

export interface PlaygroundElements {
  form: HTMLFormElement;
  status: HTMLElement;
  results: HTMLElement;
  readout: HTMLElement;
}

export class PlaygroundView {
  private readonly latest = new LatestRequest(() => this.sendForm());

  /**
   * `send` hands a request to the worker; `drawing` gives the digit drawn on the pad (null
   * before any stroke).
   */
  constructor(
    private readonly el: PlaygroundElements,
    private readonly send: (request: PlaygroundRequest) => void,
    private readonly drawing: () => Uint8Array | null,
  ) {
    el.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    el.form.addEventListener('change', () => this.run());
  }

  private field(name: string): HTMLInputElement {
    return this.el.form.elements.namedItem(name) as HTMLInputElement;
  }

  private get source(): string {
    return (this.el.form.elements.namedItem('source') as RadioNodeList).value;
  }

  /** The form as a request, or a message saying what is missing. */
  read(): PlaygroundRequest | { error: string } {
    for (const el of this.el.form.elements) {
      const input = el as HTMLInputElement;
      if (input.willValidate && !input.checkValidity()) {
        const label = input.closest('label')?.firstChild?.textContent?.trim() ?? input.name;
        const legend = input.closest('fieldset')?.querySelector('legend')?.textContent ?? '';
        return { error: `${legend ? `${legend}, ` : ''}${label}: ${input.validationMessage}` };
      }
    }
    const num = (name: string) => Number(this.field(name).value);
    let source: PlaygroundRequest['source'];
    if (this.source === 'drawing') {
      const pixels = this.drawing();
      if (!pixels) return { error: 'Draw a digit in the box above first, or choose a training image.' };
      source = { kind: 'drawing', pixels };
    } else {
      source = { kind: 'mnist', index: num('index') };
    }
    return {
      source,
      conv: { stride: num('conv-stride'), pad: num('conv-pad'), flip: this.field('flip').checked },
      pool: { size: num('pool-size'), stride: num('pool-stride'), pad: num('pool-pad') },
    };
  }

  /** Runs the form's request; while one is out, the latest change waits for it. */
  run(): void {
    this.latest.request();
  }

  /** Sends the form's request, or says what is missing; false when there was nothing to send. */
  private sendForm(): boolean {
    const request = this.read();
    if ('error' in request) {
      this.setStatus(request.error, true);
      return false;
    }
    this.el.results.setAttribute('aria-busy', 'true');
    this.setStatus('Running the kernels …');
    this.send(request);
    return true;
  }

  /** The drawing changed: follow it when it is the playground's image. */
  drawingChanged(): void {
    if (this.source === 'drawing') this.run();
  }

  /** Other data was loaded: follow it when one of its training images is the playground's image. */
  dataChanged(): void {
    if (this.source !== 'drawing') this.run();
  }

  private done(): void {
    this.el.results.removeAttribute('aria-busy');
    this.latest.answered();
  }

  fail(message: string): void {
    this.setStatus(message, true);
    this.done();
  }

  private setStatus(text: string, error = false): void {
    this.el.status.textContent = text;
    this.el.status.classList.toggle('error', error);
  }

  show(result: PlaygroundResult): void {
    const { image } = result;
    const { height, width, channels } = image;
    const values = Float32Array.from(image.pixels, (p) => p / 255);
    const colour = channels === 3;
    const input = this.figure(
      'input', `The image: ${image.description}`, `${height}×${width}${colour ? ', 3 channels (R, G, B)' : ''}, values 0 to 1`, height, width, channels,
      brightnessCanvas(values, height, width, channels, 1), values,
    );
    this.el.results.replaceChildren(input, ...result.outputs.map((o) => this.output(o)));
    this.el.results.dataset.ranOn = result.gpu ? 'gpu' : 'cpu';
    this.setStatus(`Computed on ${result.ranOn}. ${colour ? `${COLOUR_NOTE} ` : ''}Click a result to read its value at a pixel.`);
    this.done();
  }

  private output(o: PlaygroundOutput): HTMLElement {
    if (o.error) {
      const figure = this.figure(o.id, o.name, `${o.formula}: ${o.error}.`, o.height, o.width, o.channels, null, o.values);
      figure.classList.add('no-fit');
      return figure;
    }
    const canvas = o.signed ? heatmapCanvas(o.values, o.height, o.width, true) : brightnessCanvas(o.values, o.height, o.width, o.channels);
    return this.figure(o.id, o.name, o.formula, o.height, o.width, o.channels, canvas, o.values);
  }

  private figure(
    id: string, name: string, size: string, height: number, width: number, channels: number, canvas: HTMLCanvasElement | null, values: Float32Array,
  ): HTMLElement {
    const figure = document.createElement('figure');
    figure.className = 'playground-result';
    Object.assign(figure.dataset, { id, height: String(height), width: String(width), channels: String(channels) });
    const caption = document.createElement('figcaption');
    const title = document.createElement('strong');
    title.textContent = name;
    const formula = document.createElement('span');
    formula.className = 'size-formula';
    formula.textContent = size;
    caption.append(title, formula);
    if (canvas) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${name}, ${height}×${width}: arrow keys read its values`);
      // A click reads the pixel under it; with the keyboard, focus the image and move with the arrow keys.
      const at = { row: Math.floor(height / 2), col: Math.floor(width / 2) };
      const read = () => this.readValue(name, id, values, width, channels, at.row, at.col);
      canvas.tabIndex = 0;
      canvas.addEventListener('click', (e) => {
        const box = canvas.getBoundingClientRect();
        at.col = Math.min(width - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * width)));
        at.row = Math.min(height - 1, Math.max(0, Math.floor(((e.clientY - box.top) / box.height) * height)));
        read();
      });
      canvas.addEventListener('focus', read);
      canvas.addEventListener('keydown', (e) => {
        const step = ARROWS[e.key];
        if (!step) return;
        e.preventDefault();
        at.row = Math.min(height - 1, Math.max(0, at.row + step[0]));
        at.col = Math.min(width - 1, Math.max(0, at.col + step[1]));
        read();
      });
      figure.append(canvas);
    }
    figure.append(caption);
    return figure;
  }

  /** The value at (row, col); a colour image's three, R, G and B (data-value: the three, comma-separated). */
  private readValue(name: string, id: string, values: Float32Array, W: number, C: number, row: number, col: number): void {
    const at = (row * W + col) * C;
    const pixel = Array.from(values.subarray(at, at + C));
    const shown = C === 3 ? pixel.map((v, c) => `${'RGB'[c]} ${v.toFixed(4)}`).join(', ') : pixel[0].toFixed(4);
    Object.assign(this.el.readout.dataset, { id, row: String(row), col: String(col), value: pixel.join(',') });
    this.el.readout.textContent = `${name} at row ${row}, column ${col} (from 0): ${shown}`;
  }
}
