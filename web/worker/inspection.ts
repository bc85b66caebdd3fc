/** What "Look inside" shows, computed in the worker from a model's parameters and its validation results. */
import { imageBytes, type Split } from '../../src/data/dataset.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { isSpatial } from '../../src/model/shapes.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { confusionMatrix } from '../../src/train/confusion.ts';
import type { Evaluation } from '../../src/train/trainer.ts';
import { firstFilterShape } from '../shared/feature-maps.ts';
import type { Inspection, Misclassified, ValidationDetail } from '../shared/worker-protocol.ts';
import { networkImageShape, type ImageShape } from './network-input.ts';

/** Thumbnails sent to the page: enough to fill the grid, few enough to stay cheap. */
const MAX_MISCLASSIFIED = 48;

export function validationDetail(evaluation: Evaluation, val: Split, max = MAX_MISCLASSIFIED): ValidationDetail {
  const P = imageBytes(val);
  const misclassified: Misclassified[] = [];
  for (let i = 0; i < evaluation.count && misclassified.length < max; i++) {
    const pred = evaluation.preds[i];
    if (pred !== val.labels[i]) {
      misclassified.push({ index: i, label: val.labels[i], pred, channels: val.channels, pixels: val.images.slice(i * P, (i + 1) * P) });
    }
  }
  const { count, correct, accuracy, loss } = evaluation;
  return { count, correct, accuracy, loss, confusion: confusionMatrix(evaluation.preds, val.labels, val.classes), misclassified };
}

/**
 * The image the network's input is: the one the drawing pad feeds it (networkImageShape: a
 * CNN's input, or a dense network's the data's when they fit, else a square), or a CNN's
 * input of other channels than 1 and 3; rows and cols 0 when it is none.
 */
function inputImage(spec: ModelSpec, data: ImageShape | null): { channels: number; rows: number; cols: number } {
  const image = networkImageShape(spec, data);
  if (image) return image;
  const { channels, height, width } = spec.input;
  return isSpatial(spec) ? { channels, rows: height, cols: width } : { channels, rows: 0, cols: 0 };
}

/**
 * The first layer's weights (a convolution's filters, or a dense layer's weight images) and,
 * when given, the validation results. `data`: the loaded data's image shape, which tells a
 * dense network's input image (null: none loaded).
 */
export function inspectModel(spec: ModelSpec, params: Float32Array, data: ImageShape | null, validation: ValidationDetail | null): Inspection {
  const first = paramLayout(spec).layers[0];
  return {
    weights: params.slice(first.offset, first.offset + first.weights),
    C: first.C,
    OC: first.OC,
    filters: first.kind === 'conv' ? firstFilterShape(spec) : null,
    ...inputImage(spec, data),
    validation,
  };
}

/** Buffers to transfer rather than copy when posting an inspection. */
export function inspectionBuffers(inspection: Inspection): ArrayBuffer[] {
  return [
    inspection.weights.buffer as ArrayBuffer,
    ...(inspection.validation?.misclassified.map((m) => m.pixels.buffer as ArrayBuffer) ?? []),
  ];
}
