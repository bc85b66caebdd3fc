/**
 * The training worker: holds the data set, runs the GPU scheduler (src/gpu/trainer.ts) or
 * the CPU reference (src/cpu/trainer.ts) epoch by epoch, and keeps the current model to
 * classify drawings, inspect and save. The page stays responsive because all of this
 * happens here; the GPU is read once per epoch (trainEpoch), never per mini-batch.
 */
/// <reference lib="webworker" />
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { channelsLast, className, imageBytes, subset, type Dataset, type Split } from '../../src/data/dataset.ts';
import { openBrowserGpu, WebGpuUnavailableError } from '../../src/gpu/browser-gpu.ts';
import { adapterName, type GpuContext } from '../../src/gpu/device.ts';
import { KernelCache } from '../../src/gpu/kernels.ts';
import { createTuner, type MatmulTuner } from '../../src/gpu/autotune.ts';
import { indexedDbStore } from '../../src/gpu/autotune.browser.ts';
import { GpuTrainer } from '../../src/gpu/trainer.ts';
import { classNamesNote, loadModel, saveModel } from '../../src/model/model-file.ts';
import { architectureText } from '../../src/model/arch.ts';
import { isSpatial } from '../../src/model/shapes.ts';
import { classCount, inputSize, type ModelSpec } from '../../src/model/spec.ts';
import { PRESETS, trainingNote, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { divergence } from '../../src/train/divergence.ts';
import { splitTraining, type SplitChoice } from '../../src/train/split.ts';
import type { Trainer } from '../../src/train/trainer.ts';
import { augmentPreview } from './augment-preview.ts';
import { classifyImage, outputBuffers } from './classify.ts';
import { runPlaygroundCpu } from './conv-playground.ts';
import { runPlaygroundGpu } from './playground-gpu.ts';
import { inspectionBuffers, inspectModel, validationDetail } from './inspection.ts';
import { networkInput, type ImageShape } from './network-input.ts';
import { decodeInBrowser, readData, resizeInBrowser } from './read-data.ts';
import { RunControl } from './run-control.ts';
import { ownClassConfig, ownClassSplits, trainingProblem } from '../shared/own-classes.ts';
import type {
  DataSummary, ErrorContext, FromWorker, Inspection, PlaygroundImage, PlaygroundRequest, RunSetup, ToWorker,
} from '../shared/worker-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

interface CurrentModel {
  spec: ModelSpec;
  params: Float32Array;
  /** Untrained layer state (batch norm's running statistics); empty without any. */
  state: Float32Array;
  /** Saved with the model, as the CLI does. */
  notes: Record<string, string>;
}

let gpu: GpuContext | null = null;
/** The autotuner of `gpu`, its measurements kept in IndexedDB. */
let tuner: MatmulTuner | null = null;
/** The playground's pipelines, built on first use. */
let playgroundKernels: KernelCache | null = null;
let dataset: Dataset | null = null;
/** Data reads asked for so far: a read answers only while it is the latest. */
let dataReads = 0;
let model: CurrentModel | null = null;
let run: RunControl | null = null;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function fail(context: ErrorContext, e: unknown): void {
  post({ type: 'error', context, message: e instanceof Error ? e.message : String(e) });
}

function summarize(d: Dataset): DataSummary {
  const { train, test } = d;
  return {
    name: d.name, source: d.source, train: train.count, test: test?.count ?? null, channels: train.channels, rows: train.rows, cols: train.cols,
    classes: train.classes, classNames: d.classNames ?? null,
  };
}

function requireData(): Dataset {
  if (!dataset) throw new Error('No data is loaded: load MNIST (`npx wgtrain data mnist`, then reload the page), or pick IDX files, a folder of images by class, a zip of one or a CSV file first.');
  return dataset;
}

/** The page's split choice, checked and applied as the CLI's --validation and --limit are. */
function splits(d: Dataset, choice: SplitChoice): { train: Split; val: Split } {
  return splitTraining(d.train, choice, { validation: `Validation images (${choice.validation})`, limit: `Training images (${choice.limit})` });
}

async function openTrainer(device: 'gpu' | 'cpu', config: TrainConfig, train: Split, val: Split): Promise<Trainer> {
  if (device === 'cpu') return new CpuTrainer(config, train, val);
  if (!gpu) throw new Error('WebGPU is not available in this browser: choose the CPU reference.');
  // The autotuner's measurements persist in IndexedDB: the next run on this adapter reuses them.
  tuner ??= createTuner(gpu, await indexedDbStore());
  return GpuTrainer.create(gpu, config, train, val, { tuner });
}

/** The loaded data's image shape, which tells a dense network's input image (web/worker/network-input.ts); null without data. */
function dataShape(): ImageShape | null {
  return dataset && { channels: dataset.train.channels as 1 | 3, rows: dataset.train.rows, cols: dataset.train.cols };
}

function postInspection(spec: ModelSpec, params: Float32Array, detail: Inspection['validation']): void {
  const inspection = inspectModel(spec, params, dataShape(), detail);
  post({ type: 'inspection', inspection }, inspectionBuffers(inspection));
}

/** A run on the loaded data set, split as the page's fields say. */
function train(setup: RunSetup): Promise<void> {
  const d = requireData();
  const { train: trainSplit, val } = splits(d, setup);
  return runTraining(setup, trainSplit, val, { dataset: d.name, ...classNamesNote(d.classNames) });
}

/** A run on the user's own drawings (web/shared/own-classes.ts), split as few drawings must be. */
function trainOwn(m: Extract<ToWorker, { type: 'train-own' }>): Promise<void> {
  const problem = trainingProblem(m.classNames, m.examples);
  if (problem) throw new Error(problem);
  const { train: trainSplit, val } = ownClassSplits(m.classNames.length, m.examples);
  const config = ownClassConfig(m.classNames.length, trainSplit.count, m.epochs);
  const setup = { config, device: m.device, inspect: true };
  return runTraining(setup, trainSplit, val, { dataset: 'drawings made in the page', ...classNamesNote(m.classNames) });
}

async function runTraining(setup: Pick<RunSetup, 'config' | 'device' | 'inspect'>, trainSplit: Split, val: Split, notes: Record<string, string>): Promise<void> {
  const { config, device } = setup;
  validateConfig(config, imageBytes(trainSplit), trainSplit.classes, trainSplit.count, trainSplit);
  const control = new RunControl((state) => post({ type: 'state', state }));
  run = control;
  let trainer: Trainer | null = null;
  try {
    trainer = await openTrainer(device, config, trainSplit, val);
    const stepsPerEpoch = Math.floor(trainSplit.count / config.batch);
    model = { spec: config.model, params: await trainer.getParams(), state: await trainer.getLayerState(), notes: { ...notes } };
    post({
      type: 'started', description: trainer.description, device, train: trainSplit.count, val: val.count, stepsPerEpoch,
      epochs: config.epochs, spec: config.model,
    });
    control.setState('running');
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      if (!(await control.continueAfterPause())) break;
      post({ type: 'progress', epoch, step: 0, steps: stepsPerEpoch });
      const r = await trainer.trainEpoch((step, steps) => post({ type: 'progress', epoch, step, steps }));
      const diverged = divergence(r);
      if (diverged) throw new Error(diverged);
      const params = await trainer.getParams();
      model = {
        spec: config.model, params, state: await trainer.getLayerState(),
        notes: {
          ...notes, epochs: String(epoch), valAccuracy: r.val.accuracy.toFixed(4), device: trainer.description, training: trainingNote(config),
          ...(config.augment ? { augment: JSON.stringify(config.augment) } : {}),
        },
      };
      const { stepLoss } = r;
      post(
        {
          type: 'epoch',
          summary: {
            epoch, epochs: config.epochs, lr: r.lr, steps: r.steps, samples: r.samples, stepLoss, trainLoss: r.trainLoss,
            trainAccuracy: r.trainAccuracy, valLoss: r.val.loss, valAccuracy: r.val.accuracy, seconds: r.seconds,
            samplesPerSecond: r.samplesPerSecond,
          },
        },
        [stepLoss.buffer as ArrayBuffer],
      );
      if (setup.inspect) postInspection(config.model, params, validationDetail(r.val, val));
    }
    control.setState(control.stopRequested ? 'stopped' : 'done');
  } catch (e) {
    control.setState('failed');
    // A lost or failed device stays so: say what to do in the page (the engine's advice is the CLI's).
    const failure = gpu?.failure();
    if (failure) throw new Error(`${failure.message} In this page: reload it to open a new device; until then the last finished epoch's model can still be saved.`);
    throw e;
  } finally {
    trainer?.destroy();
    run = null;
  }
}

/** Whether the data's images and classes are what the network takes (a CNN: its input shape too). */
function fitsData(spec: ModelSpec, d: Dataset): boolean {
  const { channels, rows, cols, classes } = d.train;
  const { input } = spec;
  const shapeFits = !isSpatial(spec) || (input.channels === channels && input.height === rows && input.width === cols);
  return imageBytes(d.train) === inputSize(spec) && shapeFits && classes === classCount(spec);
}

/** Accuracy, confusion and misclassified images of the current model on the validation split. */
async function evaluateModel(choice: SplitChoice): Promise<void> {
  if (!model) return;
  const { spec, params, state } = model;
  // Without data, or with images the network does not take, there is nothing to validate on.
  if (!dataset || !fitsData(spec, dataset)) {
    postInspection(spec, params, null);
    return;
  }
  const { train: trainSplit, val } = splits(dataset, choice);
  // Evaluation needs only the forward pass; the configuration's training fields are unused (as in `wgtrain eval`).
  const config: TrainConfig = { ...PRESETS.lecun, model: spec, batch: 1 };
  validateConfig(config, imageBytes(val), val.classes, trainSplit.count, val, 'evaluate');
  const trainer = await openTrainer(gpu ? 'gpu' : 'cpu', config, subset(trainSplit, 1), val);
  try {
    await trainer.setParams(params);
    await trainer.setLayerState(state);
    postInspection(spec, params, validationDetail(await trainer.evaluate(val), val));
  } finally {
    trainer.destroy();
  }
}

function loadFile(bytes: Uint8Array, fileName: string): CurrentModel {
  try {
    const saved = loadModel(bytes);
    return { spec: saved.spec, params: saved.params, state: saved.state, notes: saved.metadata };
  } catch (e) {
    throw new Error(`${fileName}: ${(e as Error).message}. Load a .safetensors file saved by this page or by \`wgtrain train --out\`.`);
  }
}

function refuseWhileTraining(what: string): void {
  if (run) throw new Error(`Stop training before you ${what}.`);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'open-gpu':
      try {
        gpu = await openBrowserGpu();
        post({ type: 'gpu', adapter: gpu.adapter });
      } catch (e) {
        if (e instanceof WebGpuUnavailableError) post({ type: 'no-gpu', message: e.message });
        else throw e;
      }
      return;
    case 'data': {
      refuseWhileTraining('load other data');
      // Reads run side by side (a folder decodes for a while): only the latest asked for answers,
      // so the data set in use is always the one the page asked for last.
      const read = ++dataReads;
      let d: Dataset;
      try {
        d = await readData(m.data);
      } catch (e) {
        if (read === dataReads) throw e;
        return;
      }
      if (read !== dataReads) return;
      dataset = d;
      post({ type: 'data', summary: summarize(dataset) });
      return;
    }
    case 'train':
      refuseWhileTraining('start another run');
      return train(m.setup);
    case 'train-own':
      refuseWhileTraining('start another run');
      return trainOwn(m);
    case 'pause':
      return run?.pause();
    case 'resume':
      return run?.resume();
    case 'stop':
      return run?.stop();
    case 'classify': {
      if (!model) throw new Error('There is no model yet: train one or load one.');
      const input = await networkInput(model.spec, dataShape(), m.pixels, m.image, resizeInBrowser, decodeInBrowser);
      const outputs = classifyImage(model.spec, model.params, input.planes, model.state);
      post({ type: 'outputs', outputs, input, drawing: m.drawing }, outputBuffers(outputs));
      return;
    }
    case 'save': {
      if (!model) throw new Error('There is no model to save yet: train one or load one.');
      const bytes = saveModel(model.spec, model.params, model.notes, model.state);
      post({ type: 'saved', bytes, fileName: `wgtrain-${architectureText(model.spec)}.safetensors` }, [bytes.buffer as ArrayBuffer]);
      return;
    }
    case 'load':
      refuseWhileTraining('load a model');
      model = loadFile(m.bytes, m.fileName);
      post({ type: 'loaded', fileName: m.fileName, spec: model.spec, metadata: model.notes });
      return evaluateModel(m.split);
    case 'evaluate':
      if (!run) await evaluateModel(m.split);
      return;
    case 'playground':
      return playground(m.request);
    case 'augment-preview': {
      const preview = augmentPreview(splits(requireData(), m.split).train, m.augment, m.seed);
      post({ type: 'augment-preview', preview }, [preview.images.buffer as ArrayBuffer]);
      return;
    }
  }
}

/** The playground's image: the drawing, or a training image of the loaded data, in its channels (channels last, as a conv layer reads it). */
function playgroundImage(request: PlaygroundRequest): PlaygroundImage {
  const { source } = request;
  if (source.kind === 'drawing') return { pixels: source.pixels, height: 28, width: 28, channels: 1, description: 'your drawing (28×28)' };
  const d = requireData();
  const { train } = d;
  const i = source.index;
  if (!Number.isInteger(i) || i < 0 || i >= train.count) throw new Error(`Playground: choose a training image from 0 to ${train.count - 1}; got ${i}.`);
  const { channels, rows: height, cols: width } = train;
  const at = i * imageBytes(train);
  return {
    pixels: channelsLast(train.images.slice(at, at + imageBytes(train)), { channels, height, width }), height, width, channels,
    description:
      `training image ${i} of ${train.count.toLocaleString('en-US')} ` +
      `(label ${className(d.classNames, train.labels[i])}, ${height}×${width}${channels === 3 ? ', in colour' : ''})`,
  };
}

/** The playground on the GPU (the training kernels), or on the CPU twins without WebGPU. */
async function playground(request: PlaygroundRequest): Promise<void> {
  const image = playgroundImage(request);
  if (gpu) {
    playgroundKernels ??= new KernelCache(gpu);
    const outputs = await runPlaygroundGpu(playgroundKernels, image, request);
    post({ type: 'playground', result: { image, outputs, gpu: true, ranOn: `the GPU: ${adapterName(gpu.adapter)}` } });
  } else {
    const outputs = runPlaygroundCpu(image, request);
    post({ type: 'playground', result: { image, outputs, gpu: false, ranOn: 'the CPU twins (no WebGPU in this browser)' } });
  }
}

const CONTEXT: Record<ToWorker['type'], ErrorContext> = {
  'open-gpu': 'gpu', data: 'data', train: 'train', 'train-own': 'train', pause: 'train', resume: 'train', stop: 'train', classify: 'classify',
  save: 'model', load: 'model', evaluate: 'model', playground: 'playground', 'augment-preview': 'augment-preview',
};

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((e) => fail(CONTEXT[event.data.type], e));
};
