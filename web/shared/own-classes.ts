/**
 * "Your own classes": classes the user names and draws examples of on the page's pad, each
 * example prepared as drawn digits are (web/page/digit-preprocess.ts: 28×28, centred). What
 * the page and the worker agree on: which names are allowed, how few drawings are split into
 * training and validation images, the network trained on them, and the image-folder paths
 * they are exported to (`<class>/<n>.png`, what `wgtrain train --data DIR` reads as classes).
 */
import { parseNetwork } from '../../src/model/arch.ts';
import type { Split } from '../../src/data/dataset.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';

export const OWN_SIDE = 28;
/** At most this many classes: a byte per label, and more than a pad's worth of drawing is not the point. */
export const MAX_OWN_CLASSES = 20;
/** Every HOLD_OUT_EVERY-th example of a class is held out for validation. */
const HOLD_OUT_EVERY = 5;
/** Names that cannot be folder names on common file systems. */
const BAD_NAME_CHARACTERS = /[/\\:*?"<>|\p{Cc}]/u;

/** One drawing: its class (an index into the class names) and its 28×28 bytes. */
export interface OwnExample {
  label: number;
  pixels: Uint8Array;
}

/** Why `name` cannot name a class among `others` (the other classes' names), or null when it can. */
export function classNameProblem(name: string, others: readonly string[]): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'A class needs a name.';
  if (trimmed === '.' || trimmed === '..' || BAD_NAME_CHARACTERS.test(trimmed)) {
    return `"${trimmed}" cannot be a folder name (the export writes one folder per class): leave out / \\ : * ? " < > | and control characters.`;
  }
  if (trimmed.length > 40) return 'Keep class names to 40 characters.';
  if (others.some((o) => o.trim().toLowerCase() === trimmed.toLowerCase())) return `There is already a class named "${trimmed}".`;
  return null;
}

/** Why these classes and examples cannot train yet, or null when they can. */
export function trainingProblem(classNames: readonly string[], examples: readonly OwnExample[]): string | null {
  if (classNames.length < 2) return 'Name at least two classes to train on.';
  const counts = countPerClass(classNames.length, examples);
  const empty = classNames.filter((_, k) => counts[k] === 0);
  if (empty.length > 0) return `Draw at least one example of ${empty.map((n) => `"${n}"`).join(', ')}.`;
  return null;
}

export function countPerClass(classes: number, examples: readonly OwnExample[]): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const e of examples) counts[e.label]++;
  return counts;
}

/**
 * Training and validation images from a handful of drawings: every fifth example of each
 * class (its 5th, 10th, …) is held out, so a class of fewer than five drawings gives all of
 * them to training. When that holds out nothing, validation runs on the training drawings
 * themselves (`heldOut` 0): it then measures how well the network fits them, not how it
 * does on new ones, and the page says so.
 */
export function ownClassSplits(classes: number, examples: readonly OwnExample[]): { train: Split; val: Split; heldOut: number } {
  const seen = new Array<number>(classes).fill(0);
  const train: OwnExample[] = [];
  const val: OwnExample[] = [];
  for (const e of examples) {
    seen[e.label]++;
    (seen[e.label] % HOLD_OUT_EVERY === 0 ? val : train).push(e);
  }
  const toSplit = (list: OwnExample[]): Split => {
    const P = OWN_SIDE * OWN_SIDE;
    const images = new Uint8Array(list.length * P);
    list.forEach((e, i) => images.set(e.pixels, i * P));
    return { images, labels: Uint8Array.from(list, (e) => e.label), count: list.length, rows: OWN_SIDE, cols: OWN_SIDE, channels: 1, classes };
  };
  const trainSplit = toSplit(train);
  return { train: trainSplit, val: val.length > 0 ? toSplit(val) : trainSplit, heldOut: val.length };
}

/** The small CNN trained on the drawings: two convolution and pooling layers, a dense layer of 32, one output per class. */
function ownClassArch(classes: number): string {
  return `1x28x28-conv8k5p2-pool2-conv16k5p2-pool2-32-${classes}`;
}

/** Adam at 3e-3 on mini-batches of up to 8 drawings, `epochs` passes over them. */
export function ownClassConfig(classes: number, trainCount: number, epochs: number): TrainConfig {
  const { model } = PRESETS.lenet5;
  return {
    ...PRESETS.lenet5,
    model: { ...model, ...parseNetwork(ownClassArch(classes)) },
    batch: Math.max(1, Math.min(8, trainCount)),
    lr: 3e-3,
    lrDecay: 1,
    epochs,
  };
}

/** The zip entry of a class's n-th drawing (1-based): `<class>/<n>.png`. */
export function exportPath(className: string, n: number): string {
  return `${className.trim()}/${n}.png`;
}
