/**
 * "Look inside": the first layer's weights as images (what each hidden unit responds to, or
 * a convolutional network's first filters; over a colour input, in colour),
 * the confusion matrix, and the validation images the model gets wrong.
 */
import { filterImage } from '../shared/feature-maps.ts';
import { heatmapRgba } from '../shared/heatmap.ts';
import { denseUnitRgba, filterRgba } from './filter-colour.ts';
import { planesRgba } from './image-rgba.ts';
import type { Inspection, ValidationDetail } from '../shared/worker-protocol.ts';

/** Weight images shown at most; wide layers show their first units. */
const MAX_WEIGHT_IMAGES = 64;
const GAP = 2;

/** Draws RGBA images (rows × cols each) in a grid on `canvas`, `perRow` to a row, `gap` white pixels apart. */
function drawImageGrid(canvas: HTMLCanvasElement, images: Uint8ClampedArray[], rows: number, cols: number, perRow: number, gap: number): void {
  const gridRows = Math.ceil(images.length / perRow);
  canvas.width = perRow * (cols + gap) - gap;
  canvas.height = gridRows * (rows + gap) - gap;
  const image = new ImageData(canvas.width, canvas.height);
  image.data.fill(255);
  images.forEach((rgba, o) => {
    const left = (o % perRow) * (cols + gap);
    const top = Math.floor(o / perRow) * (rows + gap);
    for (let y = 0; y < rows; y++) image.data.set(rgba.subarray(4 * y * cols, 4 * (y + 1) * cols), 4 * ((top + y) * canvas.width + left));
  });
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** How a colour weight image is scaled (web/page/filter-colour.ts), for the captions. */
const COLOUR_SCALE =
  "each as one colour image of its red, green and blue weights, scaled together from its lowest weight (dark) to its highest (bright) so its colours compare";

function drawWeights(canvas: HTMLCanvasElement, caption: HTMLElement, inspection: Inspection): void {
  const { weights, C, OC, channels, rows, cols, filters } = inspection;
  canvas.hidden = false;
  const units = Math.min(OC, MAX_WEIGHT_IMAGES);
  const which = units === OC ? `all ${OC}` : `the first ${units} of ${OC}`;
  if (filters) {
    const { KH, KW, IC } = filters;
    const what = `${which} filters of ${KH}×${KW}`;
    canvas.classList.add('filters');
    canvas.dataset.filters = String(units);
    if (IC === 3) {
      // Colour input: each filter one RGB image, its three channels on one scale.
      const images = Array.from({ length: units }, (_, o) => filterRgba(weights, OC, filters, o));
      drawImageGrid(canvas, images, KH, KW, Math.min(units, 8), 1);
      canvas.dataset.colour = 'rgb';
      caption.textContent = `First convolution layer: ${what}, ${COLOUR_SCALE}: a filter looks like the colour pattern it responds to.`;
      return;
    }
    const images = Array.from({ length: units }, (_, o) => heatmapRgba(filterImage(weights, OC, filters, o), true));
    drawImageGrid(canvas, images, KH, KW * IC, Math.min(units, 8), 1);
    delete canvas.dataset.colour;
    caption.textContent =
      `First convolution layer: ${what}${IC > 1 ? ` (its ${IC} input channels side by side)` : ''}, ` +
      'as images: red weights add the pixel under them, blue ones subtract it.';
    return;
  }
  canvas.classList.remove('filters');
  delete canvas.dataset.filters;
  delete canvas.dataset.colour;
  const P = rows * cols;
  if (P === 0 || (channels !== 1 && channels !== 3) || channels * P !== C) {
    caption.textContent = `First-layer weights: the ${C} inputs are not an image, so there is nothing to draw.`;
    canvas.width = canvas.height = 1;
    canvas.hidden = true;
    return;
  }
  if (channels === 3) {
    // A colour image's units: each one RGB image of the input's size, its three planes on one scale.
    const images = Array.from({ length: units }, (_, o) => denseUnitRgba(weights, OC, P, o));
    drawImageGrid(canvas, images, rows, cols, Math.min(units, 8), GAP);
    canvas.dataset.colour = 'rgb';
    caption.textContent = `First-layer weights of ${which} hidden units over the ${rows}×${cols} colour image, ${COLOUR_SCALE}: what each unit responds to.`;
    return;
  }
  const images = Array.from({ length: units }, (_, o) => heatmapRgba(Float32Array.from({ length: C }, (_, c) => weights[c * OC + o]), true));
  drawImageGrid(canvas, images, rows, cols, Math.min(units, 8), GAP);
  caption.textContent =
    `First-layer weights of ${which} hidden units, ` +
    'as images: red pixels excite the unit, blue ones inhibit it.';
}

function renderConfusion(container: HTMLElement, detail: ValidationDetail, labels: readonly string[]): void {
  const m = detail.confusion;
  const name = (k: number) => labels[k] ?? String(k);
  const table = document.createElement('table');
  table.className = 'confusion';
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = '';
  m.forEach((_, k) => (head.appendChild(document.createElement('th')).textContent = name(k)));
  const body = table.createTBody();
  m.forEach((row, label) => {
    const tr = body.insertRow();
    tr.appendChild(document.createElement('th')).textContent = name(label);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, pred) => {
      const td = tr.insertCell();
      td.textContent = String(n);
      const share = n / total;
      // Correct answers in green, confusions in red; intensity is the share of the true digit's images.
      const strength = pred === label ? share : Math.min(1, share * 5);
      td.style.background = n === 0 ? '' : pred === label ? `rgba(22, 163, 74, ${0.15 + 0.6 * strength})` : `rgba(220, 38, 38, ${0.1 + 0.7 * strength})`;
      td.title = `true ${name(label)}, predicted ${name(pred)}: ${n} of ${total}`;
    });
  });
  container.replaceChildren(table);
}

function renderMisclassified(container: HTMLElement, caption: HTMLElement, detail: ValidationDetail, rows: number, cols: number, labels: readonly string[]): void {
  const name = (k: number) => labels[k] ?? String(k);
  const wrong = detail.count - detail.correct;
  caption.textContent = wrong === 0
    ? 'No validation image is misclassified.'
    : `Misclassified validation images: ${detail.misclassified.length} of ${wrong.toLocaleString('en-US')}, labelled true → predicted.`;
  container.replaceChildren(
    ...detail.misclassified.map((m) => {
      const figure = document.createElement('figure');
      figure.className = 'thumb';
      const canvas = document.createElement('canvas');
      canvas.width = cols;
      canvas.height = rows;
      canvas.getContext('2d')!.putImageData(new ImageData(planesRgba(m.pixels, m.channels, rows * cols), cols, rows), 0, 0);
      const label = document.createElement('figcaption');
      label.textContent = `${name(m.label)} → ${name(m.pred)}`;
      figure.title = `validation image ${m.index}: labelled ${name(m.label)}, predicted ${name(m.pred)}`;
      figure.append(canvas, label);
      return figure;
    }),
  );
}

/** The "Look inside" card. */
export class InsideView {
  constructor(
    private readonly el: {
      status: HTMLElement;
      weights: HTMLCanvasElement;
      weightsCaption: HTMLElement;
      confusion: HTMLElement;
      misclassified: HTMLElement;
      misclassifiedCaption: HTMLElement;
    },
  ) {}

  /**
   * `model` names the model in the summary line ("After 3 epochs", "Model from m.safetensors");
   * `labels` name the classes in the confusion matrix and under the mistakes (digits when absent).
   */
  show(inspection: Inspection, model: string, labels: readonly string[] = []): void {
    const { el } = this;
    drawWeights(el.weights, el.weightsCaption, inspection);
    const v = inspection.validation;
    if (!v) {
      el.confusion.replaceChildren();
      el.misclassified.replaceChildren();
      el.status.textContent =
        'No validation results: load data whose images fit this network (MNIST, for 784 inputs) to see its confusion matrix and mistakes.';
      delete el.status.dataset.accuracy;
      return;
    }
    renderConfusion(el.confusion, v, labels);
    if (inspection.rows > 0) renderMisclassified(el.misclassified, el.misclassifiedCaption, v, inspection.rows, inspection.cols, labels);
    el.status.textContent =
      `${model}: ${v.correct.toLocaleString('en-US')} of ${v.count.toLocaleString('en-US')} ` +
      `validation images right (${(100 * v.accuracy).toFixed(2)}%), loss ${v.loss.toFixed(4)}.`;
    el.status.dataset.accuracy = String(v.accuracy);
  }
}
