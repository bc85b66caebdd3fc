/**
 * "Look inside": the first layer's weights as images (what each hidden unit responds to),
 * the confusion matrix, and the validation images the model gets wrong.
 */
import type { Inspection, ValidationDetail } from './worker-protocol.ts';

/** Weight images shown at most; wide layers show their first units. */
const MAX_WEIGHT_IMAGES = 64;
const GAP = 2;

/** Red for positive weights, blue for negative, white for zero; each unit scaled by its own largest |w|. */
function diverging(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  const fade = Math.round(255 * (1 - a));
  return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

function drawWeights(canvas: HTMLCanvasElement, caption: HTMLElement, inspection: Inspection): void {
  const { weights, C, OC, rows, cols } = inspection;
  if (rows * cols !== C) {
    caption.textContent = `First-layer weights: the ${C} inputs are not an image, so there is nothing to draw.`;
    canvas.width = canvas.height = 1;
    canvas.hidden = true;
    return;
  }
  canvas.hidden = false;
  const units = Math.min(OC, MAX_WEIGHT_IMAGES);
  const perRow = Math.min(units, 8);
  const gridRows = Math.ceil(units / perRow);
  canvas.width = perRow * (cols + GAP) - GAP;
  canvas.height = gridRows * (rows + GAP) - GAP;
  const image = new ImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let o = 0; o < units; o++) {
    let max = 1e-12;
    for (let c = 0; c < C; c++) max = Math.max(max, Math.abs(weights[c * OC + o]));
    const left = (o % perRow) * (cols + GAP);
    const top = Math.floor(o / perRow) * (rows + GAP);
    for (let c = 0; c < C; c++) {
      const [r, g, b] = diverging(weights[c * OC + o] / max);
      const at = 4 * ((top + Math.floor(c / cols)) * canvas.width + left + (c % cols));
      image.data.set([r, g, b, 255], at);
    }
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  caption.textContent =
    `First-layer weights of ${units === OC ? `all ${OC}` : `the first ${units} of ${OC}`} hidden units, ` +
    'as images: red pixels excite the unit, blue ones inhibit it.';
}

function renderConfusion(container: HTMLElement, detail: ValidationDetail): void {
  const m = detail.confusion;
  const table = document.createElement('table');
  table.className = 'confusion';
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = '';
  m.forEach((_, k) => (head.appendChild(document.createElement('th')).textContent = String(k)));
  const body = table.createTBody();
  m.forEach((row, label) => {
    const tr = body.insertRow();
    tr.appendChild(document.createElement('th')).textContent = String(label);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, pred) => {
      const td = tr.insertCell();
      td.textContent = String(n);
      const share = n / total;
      // Correct answers in green, confusions in red; intensity is the share of the true digit's images.
      const strength = pred === label ? share : Math.min(1, share * 5);
      td.style.background = n === 0 ? '' : pred === label ? `rgba(22, 163, 74, ${0.15 + 0.6 * strength})` : `rgba(220, 38, 38, ${0.1 + 0.7 * strength})`;
      td.title = `true ${label}, predicted ${pred}: ${n} of ${total}`;
    });
  });
  container.replaceChildren(table);
}

function renderMisclassified(container: HTMLElement, caption: HTMLElement, detail: ValidationDetail, rows: number, cols: number): void {
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
      const image = new ImageData(cols, rows);
      for (let p = 0; p < rows * cols; p++) image.data.set([m.pixels[p], m.pixels[p], m.pixels[p], 255], 4 * p);
      canvas.getContext('2d')!.putImageData(image, 0, 0);
      const label = document.createElement('figcaption');
      label.textContent = `${m.label} → ${m.pred}`;
      figure.title = `validation image ${m.index}: labelled ${m.label}, predicted ${m.pred}`;
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

  /** `model` names the model in the summary line ("After 3 epochs", "Model from m.safetensors"). */
  show(inspection: Inspection, model: string): void {
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
    renderConfusion(el.confusion, v);
    if (inspection.rows > 0) renderMisclassified(el.misclassified, el.misclassifiedCaption, v, inspection.rows, inspection.cols);
    el.status.textContent =
      `${model}: ${v.correct.toLocaleString('en-US')} of ${v.count.toLocaleString('en-US')} ` +
      `validation images right (${(100 * v.accuracy).toFixed(2)}%), loss ${v.loss.toFixed(4)}.`;
    el.status.dataset.accuracy = String(v.accuracy);
  }
}
