/**
 * The page: wires the form, the data, the drawing pad and the views to a training worker
 * (and, when racing, a second one on the CPU reference). The workers train and classify;
 * this thread only reacts to what they report.
 */
import { adapterName } from '../../src/gpu/device.ts';
import { architectureText } from '../../src/model/arch.ts';
import { classCount, type ModelSpec } from '../../src/model/spec.ts';
import { renderAdapter } from './adapter-view.ts';
import { AugmentView } from './augment-view.ts';
import { CompareView } from './compare-view.ts';
import { fetchServedMnist, readDataFiles, SERVED_DATA_PATH } from './data-source.ts';
import { readDataSettings, settingsApply, settingsNote } from './data-settings.ts';
import { downloadBytes } from './download.ts';
import { FeatureMapView } from './feature-map-view.ts';
import { DrawPad, type Drawing } from './draw-pad.ts';
import { acceptDroppedFiles, pickedFiles, type Picked } from './file-drop.ts';
import { InputPreview } from './input-preview.ts';
import { InsideView } from './inside-views.ts';
import { LatestRequest } from './latest-request.ts';
import { showInline } from './inline-text.ts';
import { PlaygroundView } from './playground-view.ts';
import { OwnClassesView } from './own-classes-view.ts';
import { drawingsZip } from './export-drawings.ts';
import { digitLabels, PredictionView } from './prediction-view.ts';
import { TrainForm } from './train-form.ts';
import { epochRates } from '../../src/train/schedule.ts';
import { RUN_COLORS, TrainingCharts, type RunKey } from './training-charts.ts';
import { TrainingPanel } from './training-panel.ts';
import { WorkerClient } from './worker-client.ts';
import { ownClassConfig, ownClassSplits, type OwnExample } from '../shared/own-classes.ts';
import type { ImageFilesOptions } from '../../src/data/image-files.ts';
import type { ClassOutputs, DataFiles, DataSummary, FromWorker, RunSetup, RunState } from '../shared/worker-protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const NO_DATA_HTML =
  `No MNIST next to this page (in <code>${SERVED_DATA_PATH}</code>). In the project folder, run ` +
  '<code>npx wgtrain data mnist</code>: it downloads MNIST into <code>data/mnist/</code>, which <code>npm run dev</code> and ' +
  '<code>npm run build</code> serve. Then reload. Or pick or drop IDX files here: <code>train-images-idx3-ubyte.gz</code> and ' +
  '<code>train-labels-idx1-ubyte.gz</code> (and the <code>t10k</code> pair if you have it), CIFAR-10\'s binary batches ' +
  '(<code>data_batch_1.bin</code> … and <code>test_batch.bin</code>, or their folder), a folder of images by class ' +
  '(<code>&lt;class&gt;/*.png</code>), a zip of one, or a CSV file of labels and pixels.';

const form = new TrainForm($<HTMLFormElement>('train-form'));
form.applyUrl(new URLSearchParams(location.search));
const panel = new TrainingPanel($('run-status'), $<HTMLProgressElement>('run-progress'), $('run-step'), $('loss-summary'), $<HTMLTableElement>('epoch-table').tBodies[0]);
const charts = new TrainingCharts($('loss-chart'), $('accuracy-chart'), $('speed-chart'));
const prediction = new PredictionView($('prediction'), $('probability-bars'));
const compareView = new CompareView($('compare-view'));
const inside = new InsideView({
  status: $('inside-status'), weights: $<HTMLCanvasElement>('weights-canvas'), weightsCaption: $('weights-caption'), confusion: $('confusion'),
  misclassified: $('misclassified'), misclassifiedCaption: $('misclassified-caption'),
});
const featureMaps = new FeatureMapView($('feature-maps'), $('feature-maps-caption'));
const inputPreview = new InputPreview($<HTMLCanvasElement>('digit-preview'), $('preview-caption'));
const augmentView = new AugmentView($('augment-status'), $('augment-grid'));
const buttons = { start: $<HTMLButtonElement>('start'), pause: $<HTMLButtonElement>('pause'), resume: $<HTMLButtonElement>('resume'), stop: $<HTMLButtonElement>('stop') };
const saveButton = $<HTMLButtonElement>('save-model');
const modelInput = $<HTMLInputElement>('model-file');

const trainer = new WorkerClient('training');
let racer: WorkerClient | null = null;
let racerHasData = false;

let data: DataFiles | null = null;
let dataSummary: DataSummary | null = null;
/** Data sent to the worker and not answered yet; if it fails, the data in use before stays in use. */
let loadingData: { data: DataFiles; before: { data: DataFiles | null; summary: DataSummary | null } } | null = null;
/** The Data section's image size and channels (web/page/data-settings.ts), sent with every data read. */
let dataSettings: ImageFilesOptions = {};
/** The data last picked, dropped or served, read or not (a folder of mixed sizes fails until a size is set): what new settings read again. */
let lastData: DataFiles | null = null;
let gpuChecked = false;
/** The WebGPU adapter the worker opened (adapterName), or null without one. */
let gpuInUse: string | null = null;
/** The main run's state, and the CPU reference's when racing. */
let runState: RunState | null = null;
let racerState: RunState | null = null;
let racing = false;
/** The worker's current model, as the page describes it. */
let model: { from: 'run'; epochs: number } | { from: 'file'; fileName: string } | null = null;
/** What the pad holds now; its version tells a current classification from a stale one. */
let drawing: Drawing = { pixels: null, image: null, version: 0, inputTime: 0 };
/** The last drawing whose first classification was shown (its latency measured). */
let measuredDrawing = 0;
let playgroundStarted = false;
/** The classes of the model in the worker: digits, or the names of the user's own classes it was trained on. */
let classLabels: { labels: string[]; named: boolean } = { labels: digitLabels(10), named: false };

const ownClasses = new OwnClassesView(
  {
    newClass: $<HTMLFormElement>('new-class'), list: $('class-list'), addExample: $<HTMLButtonElement>('add-example'),
    undo: $<HTMLButtonElement>('undo-example'), epochs: $<HTMLInputElement>('own-epochs'), train: $<HTMLButtonElement>('train-own'),
    exportButton: $<HTMLButtonElement>('export-drawings'), status: $('own-status'),
  },
  {
    drawing: () => drawing.pixels,
    added: () => pad.clear(),
    train: trainOwnClasses,
    exportDrawings: (names, examples) => void exportDrawings(names, examples),
  },
);

const playground = new PlaygroundView(
  { form: $<HTMLFormElement>('playground-form'), status: $('playground-status'), results: $('playground-results'), readout: $('playground-readout') },
  (request) => trainer.send({ type: 'playground', request }),
  () => drawing.pixels,
);

/** "What the network trains on" for the form as it is now, once the data is in; one request out at a time. */
const augmentPreview = new LatestRequest(() => {
  const augment = form.augment();
  if (!dataSummary || augment === null) return false;
  trainer.send({ type: 'augment-preview', augment, seed: form.seed(), split: form.splitChoice() });
  return true;
});
form.onAugmentChange(() => augmentPreview.request());

/** The playground's first run, once the data is in and the worker knows whether it has a GPU. */
function startPlayground(): void {
  if (playgroundStarted || !dataSummary || !gpuChecked) return;
  playgroundStarted = true;
  playground.run();
}

const isActive = (s: RunState | null) => s !== null && !['done', 'stopped', 'failed'].includes(s);
/** The main run, or the CPU reference racing it, is still going (the CPU usually finishes last). */
const active = () => isActive(runState) || isActive(racerState);

/** Pause, resume and stop act on both runs; the buttons follow whichever can still take them. */
function refreshControls(): void {
  const states = [runState, racerState];
  buttons.start.disabled = active() || !dataSummary || !gpuChecked;
  buttons.pause.disabled = !states.includes('running');
  buttons.resume.disabled = !states.some((s) => s === 'paused' || s === 'pausing');
  buttons.stop.disabled = !states.some((s) => isActive(s) && s !== 'stopping');
  saveButton.disabled = model === null;
  modelInput.disabled = isActive(runState);
  form.setEnabled(!active());
  ownClasses.setCanTrain(!active() && gpuChecked);
}

function useClassLabels(labels: string[], named: boolean): void {
  classLabels = { labels, named };
  prediction.setClasses(labels, named);
}

/** A model file's class names (`classNames`: the page's own classes, a CLI run on named classes), else its classes as digits. */
function fileClassLabels(spec: ModelSpec, metadata: Record<string, string>): { labels: string[]; named: boolean } {
  const K = classCount(spec);
  try {
    const names: unknown = metadata.classNames ? JSON.parse(metadata.classNames) : null;
    if (Array.isArray(names) && names.length === K && names.every((n) => typeof n === 'string')) return { labels: names, named: true };
  } catch {
    // Not a list of names: the classes are numbered.
  }
  return { labels: digitLabels(K), named: false };
}

function setDataStatus(state: 'loading' | 'ready' | 'missing' | 'error', text: string, html = false): void {
  const el = $('data-status');
  el.dataset.state = state;
  el.classList.toggle('error', state === 'error');
  if (html) el.innerHTML = text;
  else el.textContent = text;
}

/** `text` may mark commands with backticks: they show as code. */
function setModelStatus(text: string, error = false): void {
  const el = $('model-status');
  showInline(el, text);
  el.classList.toggle('error', error);
}

function describeData(s: DataSummary): string {
  const served = data?.kind === 'idx' && data.name === 'mnist';
  const what = served ? `MNIST from ${s.source} (served with this page)` : s.source;
  const test = s.test === null ? 'no test set' : `${s.test.toLocaleString('en-US')} test images`;
  const shown = 12;
  const names = s.classNames
    ? ` (${s.classNames.slice(0, shown).join(', ')}${s.classNames.length > shown ? `, and ${s.classNames.length - shown} more` : ''})`
    : '';
  const colour = s.channels === 3 ? ` in colour (3 channels: the network starts with 3x${s.rows}x${s.cols})` : '';
  return (
    `Using ${what}: ${s.train.toLocaleString('en-US')} training images of ${s.rows}×${s.cols}${colour} in ${s.classes} classes${names}, ${test}. ` +
    'Training holds out the last "validation images" of the training set to measure accuracy.' +
    (data ? settingsNote(data.kind, dataSettings) : '')
  );
}

function useData(d: DataFiles): void {
  lastData = d;
  const read = { ...d, settings: dataSettings };
  loadingData = { data: read, before: loadingData?.before ?? { data, summary: dataSummary } };
  dataSummary = null;
  setDataStatus('loading', `Reading ${d.source} …`);
  trainer.send({ type: 'data', data: read });
  refreshControls();
}

/** The image size or channels changed: the data last picked or dropped is read again with them, when they apply to it. */
function dataSettingsChanged(): void {
  const sizeField = $<HTMLInputElement>('data-size');
  try {
    dataSettings = readDataSettings(sizeField.value, $<HTMLSelectElement>('data-channels').value);
    sizeField.removeAttribute('aria-invalid');
  } catch (e) {
    sizeField.setAttribute('aria-invalid', 'true');
    setDataStatus('error', `${(e as Error).message}${dataSummary ? ` Still using ${dataSummary.source}.` : ''}`);
    return;
  }
  const last = lastData;
  if (!last) return;
  if (!settingsApply(last.kind)) {
    if (dataSummary) setDataStatus('ready', describeData(dataSummary));
    return;
  }
  if (active()) {
    setDataStatus('error', `Stop training before reading ${last.source} again at another size or channels.`);
    return;
  }
  useData(last);
}

async function loadServedData(): Promise<void> {
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  try {
    const found = await fetchServedMnist(location.href, (file, loaded, total) =>
      setDataStatus('loading', `Downloading ${file}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''} MB …`),
    );
    if (found) useData(found);
    else setDataStatus('missing', NO_DATA_HTML, true);
  } catch (e) {
    setDataStatus('error', `Could not download MNIST from ${SERVED_DATA_PATH}: ${(e as Error).message}`);
  }
}

/** Where a model file says it was trained, and how well: the adapter named as the file names it, not the one in use here. */
function provenance(metadata: Record<string, string>): string {
  const trained = metadata.device ? `, trained on ${metadata.device}` : '';
  const saved = metadata.valAccuracy ? `, ${(100 * Number(metadata.valAccuracy)).toFixed(2)}% validation accuracy when saved` : '';
  return `${trained}${saved}`;
}

/** What runs a loaded model in this page: validation on the adapter in use, drawings on the CPU reference in the worker. */
function runsHere(): string {
  if (!gpuChecked) return '';
  if (!gpuInUse) return ' Here it runs on the CPU reference (no WebGPU in this browser).';
  return ` Here it runs on GPU: ${gpuInUse} (validation) and the CPU reference (your drawings).`;
}

function modelNote(): string {
  if (!model) return '';
  if (model.from === 'file') return `model from ${model.fileName}`;
  return model.epochs === 0 ? 'untrained: initial weights' : `after ${model.epochs} epoch${model.epochs === 1 ? '' : 's'}`;
}

/** The drawing, when there is one and a model to classify it; otherwise null, and the views say what is missing. */
function drawingToClassify(): Drawing | null {
  if (!drawing.pixels) {
    prediction.clear(model ? 'Draw a digit in the box.' : 'Train or load a model, then draw.');
    featureMaps.clear('Feature maps of your drawing (convolutional networks): draw a digit.');
    return null;
  }
  if (!model) {
    prediction.clear('Train or load a model to classify your drawing.');
    featureMaps.clear('Feature maps of your drawing: train or load a convolutional network.');
    return null;
  }
  return drawing;
}

const classification = new LatestRequest(() => {
  const current = drawingToClassify();
  if (!current?.pixels) return false;
  $('prediction').setAttribute('aria-busy', 'true');
  trainer.send({ type: 'classify', pixels: current.pixels, image: current.image, drawing: current.version });
  return true;
});

/** Classifies the drawing; while a classification is out, the latest drawing waits for it. */
function classify(): void {
  // What is missing shows at once, not after the classification out answers.
  if (drawingToClassify()) classification.request();
}

/**
 * The answer for the drawing on the pad; the first answer for each drawing is its
 * input-to-prediction latency (a performance measure, and data-latency-ms on #prediction).
 */
function showPrediction(outputs: ClassOutputs): void {
  prediction.show(outputs, modelNote());
  featureMaps.show(outputs.features);
  const el = $('prediction');
  el.dataset.drawing = String(drawing.version);
  if (measuredDrawing === drawing.version) return;
  measuredDrawing = drawing.version;
  const latency = performance.measure('input-to-prediction', { start: drawing.inputTime, detail: { drawing: drawing.version } });
  el.dataset.latencyMs = latency.duration.toFixed(1);
}

function classified(): void {
  $('prediction').removeAttribute('aria-busy');
  classification.answered();
}

function onTrainerMessage(m: FromWorker): void {
  switch (m.type) {
    case 'gpu':
      gpuChecked = true;
      gpuInUse = adapterName(m.adapter);
      renderAdapter($('adapter-info'), m.adapter);
      startPlayground();
      break;
    case 'no-gpu':
      gpuChecked = true;
      form.disableGpu();
      showInline($('webgpu-reason'), m.message);
      $('webgpu-banner').hidden = false;
      $('adapter-info').textContent = 'No WebGPU adapter: training runs on the CPU reference.';
      $('adapter-info').dataset.adapter = 'none';
      startPlayground();
      break;
    case 'data':
      if (loadingData) {
        data = loadingData.data;
        loadingData = null;
        racerHasData = false;
      }
      dataSummary = m.summary;
      setDataStatus('ready', describeData(m.summary));
      form.setAvailableImages(m.summary.train);
      if (playgroundStarted) playground.dataChanged();
      else startPlayground();
      augmentPreview.request();
      if (model?.from === 'file' && !active()) trainer.send({ type: 'evaluate', split: form.splitChoice() });
      break;
    case 'started':
      model = { from: 'run', epochs: 0 };
      panel.started(m.description, m.train, m.val);
      if (racing) compareView.started('gpu', m.description);
      classify();
      break;
    case 'progress':
      panel.progress(m.epoch, m.step, m.steps);
      break;
    case 'epoch':
      model = { from: 'run', epochs: m.summary.epoch };
      panel.epoch(m.summary);
      charts.addEpoch('main', m.summary);
      if (racing) compareView.epoch('gpu', m.summary);
      classify();
      break;
    case 'state':
      runState = m.state;
      panel.state(m.state);
      if (racing) compareView.state('gpu', m.state);
      break;
    case 'inspection':
      inside.show(m.inspection, modelNote().replace(/^./, (c) => c.toUpperCase()), classLabels.named ? classLabels.labels : []);
      break;
    case 'outputs':
      // An answer for an older drawing is dropped: the request for the current one follows it.
      // So is one from the model before a run on other classes started.
      if (drawing.pixels && m.drawing === drawing.version && m.outputs.values.length === classLabels.labels.length) {
        showPrediction(m.outputs);
        inputPreview.fed(m.input);
      }
      classified();
      break;
    case 'playground':
      playground.show(m.result);
      break;
    case 'augment-preview':
      augmentView.show(m.preview, dataSummary?.classNames ?? []);
      augmentPreview.answered();
      break;
    case 'saved':
      downloadBytes(m.bytes, m.fileName);
      setModelStatus(`Saved ${m.fileName} (${modelNote()}). \`wgtrain eval ${m.fileName}\` reads it.`);
      break;
    case 'loaded': {
      model = { from: 'file', fileName: m.fileName };
      const file = fileClassLabels(m.spec, m.metadata);
      useClassLabels(file.labels, file.named);
      const network = `${architectureText(m.spec)} ${m.spec.activation}, ${m.spec.loss} loss`;
      setModelStatus(`Loaded ${m.fileName}: ${network}${provenance(m.metadata)}.${runsHere()}`);
      $('model-status').dataset.savedAccuracy = m.metadata.valAccuracy ?? '';
      // The form and the Training card describe the loaded model now, not the previous one.
      const { spec } = m;
      form.applyUrl(new URLSearchParams({ arch: architectureText(spec), activation: spec.activation, loss: spec.loss, output: spec.outputActivation, init: spec.init }));
      charts.reset(1, 1, [['main', { label: 'GPU', color: RUN_COLORS.gpu }]]);
      panel.loaded(`Showing ${m.fileName} (${network}), loaded from a file. The form now describes its network: Start trains a new one like it from scratch.`);
      classify();
      break;
    }
    case 'error':
      if (m.context === 'data') {
        if (loadingData) {
          ({ data, summary: dataSummary } = loadingData.before);
          loadingData = null;
        }
        const sentence = /[.!?]$/.test(m.message) ? m.message : `${m.message}.`;
        setDataStatus('error', dataSummary ? `${sentence} Still using ${dataSummary.source}.` : m.message);
      } else if (m.context === 'train') {
        runState = 'failed';
        panel.fail(m.message);
      } else if (m.context === 'model') {
        setModelStatus(m.message, true);
      } else if (m.context === 'classify') {
        prediction.clear(m.message);
        inputPreview.reset(drawing.pixels);
        classified();
      } else if (m.context === 'playground') {
        playground.fail(m.message);
      } else if (m.context === 'augment-preview') {
        augmentView.fail(m.message);
        augmentPreview.answered();
      } else {
        $('adapter-info').textContent = m.message;
        gpuChecked = true;
      }
      break;
  }
  refreshControls();
}

function onRacerMessage(m: FromWorker): void {
  if (m.type === 'state') racerState = m.state;
  if (m.type === 'error') racerState = 'failed';
  switch (m.type) {
    case 'started':
      compareView.started('cpu', m.description);
      break;
    case 'epoch':
      charts.addEpoch('compare', m.summary);
      compareView.epoch('cpu', m.summary);
      break;
    case 'state':
      compareView.state('cpu', m.state);
      break;
    case 'error':
      compareView.state('cpu', 'failed');
      $('compare-view').prepend(Object.assign(document.createElement('p'), { className: 'error', textContent: m.message }));
      break;
  }
  refreshControls();
}

/** The same run on the CPU reference, in its own worker so it neither slows nor blocks the GPU run's worker. */
function race(setup: RunSetup): void {
  if (!racer) {
    racer = new WorkerClient('cpu-reference');
    racer.on(onRacerMessage);
  }
  if (!racerHasData && data) {
    racer.send({ type: 'data', data });
    racerHasData = true;
  }
  racerState = 'running';
  racer.send({ type: 'train', setup: { ...setup, device: 'cpu', inspect: false } });
}

function start(): void {
  const read = form.read();
  const formError = $('form-error');
  formError.hidden = !('error' in read);
  if ('error' in read) {
    formError.textContent = read.error;
    return;
  }
  const { setup, compare } = read;
  // The data's class names when the network has one output per class, else the outputs numbered.
  const K = classCount(setup.config.model);
  const names = dataSummary?.classNames;
  if (names?.length === K) useClassLabels(names, true);
  else useClassLabels(digitLabels(K), false);
  const train = setup.limit ?? (dataSummary ? dataSummary.train - setup.validation : 0);
  racing = compare;
  $('compare').hidden = !compare;
  panel.reset(setup.config.epochs);
  const mainLabel = setup.device === 'gpu' ? 'GPU' : 'CPU reference';
  const series: [RunKey, { label: string; color: string }][] = [
    ['main', { label: mainLabel, color: setup.device === 'gpu' ? RUN_COLORS.gpu : RUN_COLORS.cpu }],
  ];
  if (compare) series.push(['compare', { label: 'CPU reference', color: RUN_COLORS.cpu }]);
  const stepsPerEpoch = Math.max(1, Math.floor(train / setup.config.batch));
  const rates = Array.from({ length: setup.config.epochs }, (_, e) => Array.from(epochRates(setup.config, e + 1, stepsPerEpoch))).flat();
  charts.reset(stepsPerEpoch, setup.config.epochs, series, rates);
  if (compare) compareView.reset(setup.config.epochs);
  runState = 'running';
  trainer.send({ type: 'train', setup });
  if (compare) race(setup);
  refreshControls();
}

/** A run on the user's own drawings, in the training worker, on the GPU when there is one. */
function trainOwnClasses(classNames: string[], examples: OwnExample[], epochs: number): void {
  useClassLabels(classNames, true);
  racing = false;
  $('compare').hidden = true;
  const { train } = ownClassSplits(classNames.length, examples);
  const { batch } = ownClassConfig(classNames.length, train.count, epochs);
  const device = gpuInUse ? 'gpu' : 'cpu';
  panel.reset(epochs);
  charts.reset(Math.max(1, Math.floor(train.count / batch)), epochs, [
    ['main', { label: device === 'gpu' ? 'GPU' : 'CPU reference', color: device === 'gpu' ? RUN_COLORS.gpu : RUN_COLORS.cpu }],
  ]);
  runState = 'running';
  trainer.send({ type: 'train-own', classNames, examples, epochs, device });
  refreshControls();
}

async function exportDrawings(classNames: string[], examples: OwnExample[]): Promise<void> {
  const bytes = await drawingsZip(classNames, examples);
  downloadBytes(bytes, 'wgtrain-drawings.zip');
}

function control(type: 'pause' | 'resume' | 'stop'): void {
  if (isActive(runState)) trainer.send({ type });
  if (isActive(racerState)) racer?.send({ type });
}

async function loadModelFile(file: File): Promise<void> {
  setModelStatus(`Reading ${file.name} …`);
  trainer.send({ type: 'load', bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name, split: form.splitChoice() });
}

/** An image file onto the drawing pad, to be classified as a drawing (by a colour network: the image itself, in colour). */
async function openImage(file: File): Promise<void> {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const bitmap = await createImageBitmap(file);
    pad.showImage(bitmap, bitmap.width, bitmap.height, bytes);
    bitmap.close();
  } catch (e) {
    prediction.clear(`Could not read ${file.name} as an image: ${(e as Error).message}`);
  }
}

/**
 * Dropped or picked files: a folder (of images by class), a .zip or .csv file or IDX files are
 * data, a .safetensors file is a model, a loose image is a drawing to classify.
 */
async function takeFiles(picked: Picked): Promise<void> {
  const files = picked.files.map((f) => f.file);
  const inFolder = picked.files.some((f) => f.path.includes('/'));
  const image = inFolder ? undefined : files.find((f) => f.type.startsWith('image/'));
  if (image) {
    await openImage(image);
    if (files.length === 1) return;
  }
  const modelFile = files.find((f) => f.name.endsWith('.safetensors'));
  if (modelFile && !active()) await loadModelFile(modelFile);
  if (active() && (inFolder || !modelFile)) {
    setDataStatus('error', 'Stop training before loading other data.');
    return;
  }
  let found: DataFiles | null;
  try {
    // A folder's files are read here before the worker gets them: say so at once.
    if (inFolder) setDataStatus('loading', `Reading ${files.length.toLocaleString('en-US')} files …`);
    found = await readDataFiles(picked);
  } catch (e) {
    setDataStatus('error', (e as Error).message);
    return;
  }
  if (found) useData(found);
  else if (!modelFile && !image) {
    setDataStatus(
      'error',
      `None of ${files.map((f) => f.name).join(', ')} is data (IDX files such as train-images-idx3-ubyte[.gz], CIFAR-10's data_batch_N.bin, ` +
        'a folder of images by class, a .zip of one or a .csv file) or a .safetensors model.',
    );
  }
}

trainer.on(onTrainerMessage);
trainer.send({ type: 'open-gpu' });
buttons.start.addEventListener('click', start);
buttons.pause.addEventListener('click', () => control('pause'));
buttons.resume.addEventListener('click', () => control('resume'));
buttons.stop.addEventListener('click', () => control('stop'));
saveButton.addEventListener('click', () => trainer.send({ type: 'save' }));
modelInput.addEventListener('change', () => {
  const file = modelInput.files?.[0];
  if (file) void loadModelFile(file);
  modelInput.value = '';
});
for (const id of ['data-files', 'data-folder']) {
  $<HTMLInputElement>(id).addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    void takeFiles(pickedFiles(input.files));
    input.value = '';
  });
}

acceptDroppedFiles($('drop-overlay'), (files) => void takeFiles(files));
for (const id of ['data-size', 'data-channels']) $(id).addEventListener('change', dataSettingsChanged);

const pad = new DrawPad($<HTMLCanvasElement>('draw-canvas'), (d) => {
  drawing = d;
  inputPreview.digit(d.pixels);
  ownClasses.drawingChanged();
  classify();
  playground.drawingChanged();
});
$('clear-drawing').addEventListener('click', () => pad.clear());
$<HTMLInputElement>('image-file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file) void openImage(file);
  input.value = '';
});

refreshControls();
// Settings the browser kept in the fields across a reload apply to the first data too.
dataSettingsChanged();
void loadServedData();
