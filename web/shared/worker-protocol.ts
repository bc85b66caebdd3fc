/**
 * Messages between the page (web/page/) and a training worker (web/worker/train-worker.ts),
 * and every type they carry that the two sides share: the page builds ToWorker messages and
 * draws FromWorker ones; the worker's modules produce these payloads. The worker owns the
 * data, the trainer and the current model; the page only draws what the worker reports.
 * (FeatureImages and FilterShape are defined with the forward pass that makes them,
 * web/shared/feature-maps.ts.)
 */
import type { ImagePlanes } from '../../src/data/image-assembly.ts';
import type { ImageFilesOptions } from '../../src/data/image-files.ts';
import type { AdapterSummary } from '../../src/gpu/device.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import type { AugmentConfig, TrainConfig } from '../../src/train/config.ts';
import type { SplitChoice } from '../../src/train/split.ts';
import type { EpochReport } from '../../src/train/trainer.ts';
import type { FeatureImages, FilterShape } from './feature-maps.ts';
import type { OwnExample } from './own-classes.ts';

export type Device = 'gpu' | 'cpu';

/**
 * Data as the page gathered it (web/page/data-source.ts); the worker parses it
 * (web/worker/read-data.ts). `files`: [path, bytes] pairs: IDX files, CIFAR-10's batches
 * (and batches.meta.txt), an image folder's images (paths relative to the folder, `dirs`
 * its folders), or the one zip or CSV file.
 */
export interface DataFiles {
  kind: 'idx' | 'cifar' | 'image-folder' | 'zip' | 'csv';
  files: [string, Uint8Array][];
  dirs?: string[];
  name: string;
  /** Where the files came from, in words, for the page and saved models. */
  source: string;
  /** The Data section's image size and channels (image folders, zips and CSV files; others are read as they are). */
  settings?: ImageFilesOptions;
}

export interface DataSummary {
  name: string;
  source: string;
  train: number;
  /** Images in the t10k test set, or null when the files had none. */
  test: number | null;
  /** 1 (grayscale) or 3 (RGB): a network for RGB data starts with 3xHxW. */
  channels: number;
  rows: number;
  cols: number;
  classes: number;
  /** The classes' names (an image folder's class folders), or null when they are numbered. */
  classNames: string[] | null;
}

/** A run: what to train, where, and which images train and validate (src/train/split.ts). */
export interface RunSetup extends SplitChoice {
  config: TrainConfig;
  device: Device;
  /** Report first-layer weights, confusion matrix and misclassified images each epoch. */
  inspect: boolean;
}

export interface Misclassified {
  /** Index in the validation split. */
  index: number;
  label: number;
  pred: number;
  /** 1 (gray) or 3 (RGB planes, C×H×W). */
  channels: number;
  pixels: Uint8Array;
}

export interface ValidationDetail {
  count: number;
  correct: number;
  accuracy: number;
  loss: number;
  /** confusion[label][pred] */
  confusion: number[][];
  misclassified: Misclassified[];
}

/** What the page shows under "Look inside". */
export interface Inspection {
  /**
   * The first layer's W, (C, OC) row-major: column o is hidden unit o's weight image, or
   * for a convolution filter o's kernel, rows in (i, j, c) order (web/shared/feature-maps.ts filterImage).
   */
  weights: Float32Array;
  C: number;
  OC: number;
  /** The first layer's kernel shape when it is a convolution. */
  filters: FilterShape | null;
  /**
   * The input image's shape (channels × rows × cols, the image the drawing pad feeds it:
   * web/worker/network-input.ts), for drawing weight images and mistakes; rows and cols 0
   * when the input is no image.
   */
  channels: number;
  rows: number;
  cols: number;
  /** On the validation split; null when no data is loaded or it does not fit the network. */
  validation: ValidationDetail | null;
}

/** An epoch as the page shows it: the trainer's report, with validation as two numbers. */
export interface EpochSummary
  extends Pick<EpochReport, 'epoch' | 'lr' | 'steps' | 'samples' | 'stepLoss' | 'trainLoss' | 'trainAccuracy' | 'seconds' | 'samplesPerSecond'> {
  epochs: number;
  valLoss: number;
  valAccuracy: number;
}

/** A drawing classified (web/worker/classify.ts). */
export interface ClassOutputs {
  /** One value per class: softmax probabilities, or the output layer's activations for the quadratic loss. */
  values: Float32Array;
  kind: 'probability' | 'activation';
  /** The convolution and pooling layers' outputs for this image, as images (empty for a dense network). */
  features: FeatureImages[];
}

type PlaygroundSource = { kind: 'drawing'; pixels: Uint8Array } | { kind: 'mnist'; index: number };

/** The convolution playground's form (web/page/playground-view.ts), run by web/worker/conv-playground.ts or playground-gpu.ts. */
export interface PlaygroundRequest {
  source: PlaygroundSource;
  /** Stride and zero padding of every kernel; flip: the notes' convolution rather than cross-correlation. */
  conv: { stride: number; pad: number; flip: boolean };
  /** Max pooling of the image: window, stride, padding (padding never wins). */
  pool: { size: number; stride: number; pad: number };
}

/** The notes' kernels (web/worker/conv-playground.ts NOTE_KERNELS). */
export type KernelId = 'mean' | 'gaussian' | 'dx' | 'dy';

type OutputId = KernelId | 'sobel' | 'pool';

export interface PlaygroundOutput {
  id: OutputId;
  name: string;
  /** The output size worked out: "(28 − 5 + 2·1)/1 + 1 = 26". */
  formula: string;
  height: number;
  width: number;
  /** 1, or 3 for max pooling of a colour image (pooling keeps channels apart; a kernel sums over them). */
  channels: number;
  /** height × width × channels, row-major, channels last; empty when the window does not fit (see error). */
  values: Float32Array;
  /** Values of both signs (derivatives): drawn red/blue rather than grey. */
  signed: boolean;
  error?: string;
}

export interface PlaygroundImage {
  /** height × width × channels bytes, channels last (RGB pixels for colour). */
  pixels: Uint8Array;
  height: number;
  width: number;
  /** 1 (gray), or 3 for a colour data set's training image. */
  channels: number;
  /** "your drawing (28×28)", "training image 7 of 60,000 (label 3, 28×28)" */
  description: string;
}

export interface PlaygroundResult {
  image: PlaygroundImage;
  outputs: PlaygroundOutput[];
  /** Where the convolutions and pooling ran: the adapter's name, or the CPU twins without WebGPU. */
  ranOn: string;
  gpu: boolean;
}

/** "What the network trains on" (web/worker/augment-preview.ts): training images as epoch 1 augments them. */
export interface AugmentPreview {
  /** count images of rows × cols × channels bytes, one after another (channels last: RGB pixels for colour). */
  images: Uint8Array;
  labels: number[];
  count: number;
  channels: number;
  rows: number;
  cols: number;
  /** False: no augmentation, the images as they are. */
  augmented: boolean;
}

export type RunState = 'running' | 'pausing' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

export type ToWorker =
  | { type: 'open-gpu' }
  | { type: 'data'; data: DataFiles }
  | { type: 'train'; setup: RunSetup }
  /** Train the own-classes network (web/shared/own-classes.ts) on the user's drawings; `examples` label into `classNames`. */
  | { type: 'train-own'; classNames: string[]; examples: OwnExample[]; epochs: number; device: Device }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /**
   * `pixels`: the pad's 28×28 gray digit; `image`: the bytes of an image file dropped on the pad
   * (nothing drawn over it), which a colour network classifies in colour (web/worker/network-input.ts).
   * `drawing`: the pad's version number, echoed in the answer so the page can drop a stale one.
   */
  | { type: 'classify'; pixels: Uint8Array; image: Uint8Array | null; drawing: number }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; fileName: string; split: SplitChoice }
  | { type: 'evaluate'; split: SplitChoice }
  | { type: 'playground'; request: PlaygroundRequest }
  | { type: 'augment-preview'; augment: AugmentConfig | undefined; seed: number; split: SplitChoice };

export type ErrorContext = 'gpu' | 'data' | 'train' | 'model' | 'classify' | 'playground' | 'augment-preview';

export type FromWorker =
  | { type: 'gpu'; adapter: AdapterSummary }
  | { type: 'no-gpu'; message: string }
  | { type: 'data'; summary: DataSummary }
  | { type: 'started'; description: string; device: Device; train: number; val: number; stepsPerEpoch: number; epochs: number; spec: ModelSpec }
  | { type: 'progress'; epoch: number; step: number; steps: number }
  | { type: 'epoch'; summary: EpochSummary }
  | { type: 'state'; state: RunState }
  /** `input`: the image the network was fed for the drawing (web/worker/network-input.ts), at its size and in its channels. */
  | { type: 'outputs'; outputs: ClassOutputs; input: ImagePlanes; drawing: number }
  | { type: 'saved'; bytes: Uint8Array; fileName: string }
  | { type: 'loaded'; fileName: string; spec: ModelSpec; metadata: Record<string, string> }
  | { type: 'inspection'; inspection: Inspection }
  | { type: 'playground'; result: PlaygroundResult }
  | { type: 'augment-preview'; preview: AugmentPreview }
  | { type: 'error'; context: ErrorContext; message: string };
