/**
 * Messages between the page and a training worker (train-worker.ts). The worker owns the
 * data, the trainer and the current model; the page only draws what the worker reports.
 */
import type { AdapterSummary } from '../../src/gpu/device.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import type { TrainConfig } from '../../src/train/config.ts';
import type { EpochReport } from '../../src/train/trainer.ts';
import type { ClassOutputs } from '../worker/classify.ts';
import type { PlaygroundRequest, PlaygroundResult } from '../worker/conv-playground.ts';
import type { FilterShape } from './feature-maps.ts';

export type Device = 'gpu' | 'cpu';

export interface DataSummary {
  name: string;
  source: string;
  train: number;
  /** Images in the t10k test set, or null when the files had none. */
  test: number | null;
  rows: number;
  cols: number;
  classes: number;
}

/** Which images train and validate: the last `validation` training images are held out, then the first `limit` of the rest train. */
export interface SplitChoice {
  validation: number;
  /** null: every remaining image. */
  limit: number | null;
}

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
  /** The input image's shape, for drawing weight images. */
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

export type RunState = 'running' | 'pausing' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

export type ToWorker =
  | { type: 'open-gpu' }
  | { type: 'data'; files: [string, Uint8Array][]; name: string; source: string }
  | { type: 'train'; setup: RunSetup }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'classify'; pixels: Uint8Array }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; fileName: string; split: SplitChoice }
  | { type: 'evaluate'; split: SplitChoice }
  | { type: 'playground'; request: PlaygroundRequest };

export type ErrorContext = 'gpu' | 'data' | 'train' | 'model' | 'classify' | 'playground';

export type FromWorker =
  | { type: 'gpu'; adapter: AdapterSummary }
  | { type: 'no-gpu'; message: string }
  | { type: 'data'; summary: DataSummary }
  | { type: 'started'; description: string; device: Device; train: number; val: number; stepsPerEpoch: number; epochs: number; spec: ModelSpec }
  | { type: 'progress'; epoch: number; step: number; steps: number }
  | { type: 'epoch'; summary: EpochSummary }
  | { type: 'state'; state: RunState }
  | { type: 'outputs'; outputs: ClassOutputs }
  | { type: 'saved'; bytes: Uint8Array; fileName: string }
  | { type: 'loaded'; fileName: string; spec: ModelSpec; metadata: Record<string, string> }
  | { type: 'inspection'; inspection: Inspection }
  | { type: 'playground'; result: PlaygroundResult }
  | { type: 'error'; context: ErrorContext; message: string };
