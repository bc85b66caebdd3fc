/** `wgtrain eval MODEL`: accuracy and confusion matrix of a saved model. */
import { imageBytes, subset, type Dataset } from '../data/dataset.ts';
import { architectureText, describeModel } from '../model/arch.ts';
import { paramLayout, stateLayout } from '../model/layout.ts';
import { loadModel, MODEL_FORMAT, readModelSpec, type SavedModel } from '../model/model-file.ts';
import type { ModelSpec } from '../model/spec.ts';
import { openSafetensorsFile, UnreadableFileError, type OpenedSafetensors } from '../util/safetensors-file.node.ts';
import { PRESETS, validateConfig } from '../train/config.ts';
import { confusionMatrix } from '../train/confusion.ts';
import { formatConfusion, pct } from './report.ts';
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

function readModel(path: string, bytes: Uint8Array): SavedModel {
  try {
    return loadModel(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

export interface EvalFlags extends DataFlags, DeviceFlags {
  json?: boolean;
}

/** What eval reads at most: no model file is larger (the parameters of the largest network this reader can hold). */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** Opens the model file through the guarded reader, wording its refusals for eval. */
async function openModelFile(path: string): Promise<OpenedSafetensors> {
  try {
    return await openSafetensorsFile(path, MAX_MODEL_BYTES);
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw new Error(`${path}: ${(e as Error).message}`);
    const why = {
      missing: `there is no such file. Train one with \`wgtrain train --out ${path}\`.`,
      folder: 'it is a folder, not a model file.',
      'not-regular': 'it is not a regular file.',
      'too-large': `${e.message.replace('such a file', 'a model file')}.`,
      io: `${e.message}.`,
    }[e.reason];
    throw new Error(`Cannot read the model ${path}: ${why}`);
  }
}

/** The network a model's header names, when it names one (loadModel words every other case). */
function specInHeader(metadata: Record<string, string>): ModelSpec | null {
  try {
    return metadata.format === MODEL_FORMAT ? readModelSpec(JSON.parse(metadata.spec ?? '')) : null;
  } catch {
    return null;
  }
}

/**
 * The names of the classes: the model's (saved from its training data) or the data's.
 * Both named and different: the labels mean other things, refused.
 */
function classNames(modelPath: string, model: string[] | undefined, dataset: Dataset): string[] | undefined {
  const data = dataset.classNames;
  if (model && data && model.join('\n') !== data.join('\n')) {
    const list = (n: string[]) => (n.length > 12 ? `${n.slice(0, 12).join(', ')}, …` : n.join(', '));
    throw new Error(`The model ${modelPath} was trained on the classes ${list(model)}, but ${dataset.source} has ${list(data)}: evaluate it on data with the same classes, in the same order`);
  }
  return model ?? data;
}

/**
 * Measures a saved model. Its header is read first and the network it names checked against
 * the data and the device, so a file claiming a huge or mismatched network is refused
 * before its tensors are read.
 */
export async function evalCommand(modelPath: string, flags: EvalFlags): Promise<void> {
  const log = (msg: string) => (flags.json ? process.stderr : process.stdout).write(`${msg}\n`);
  const file = await openModelFile(modelPath);
  try {
    await evalOpened(modelPath, file, flags, log);
  } finally {
    await file.close();
  }
}

async function evalOpened(modelPath: string, file: OpenedSafetensors, flags: EvalFlags, log: (msg: string) => void): Promise<void> {
  const claimed = specInHeader(file.header.metadata);
  if (claimed) {
    // Parameters, and any untrained state (batch norm's running statistics), as the file stores them.
    const total = paramLayout(claimed).count + stateLayout(claimed).layers.reduce((n, s) => n + s.size, 0);
    const data = file.size - file.header.dataStart;
    if (data !== 4 * total) {
      throw new Error(`${modelPath}: invalid safetensors file: its tensors hold ${data.toLocaleString('en-US')} bytes, but architecture ${architectureText(claimed)} has ${total.toLocaleString('en-US')} parameters (${(4 * total).toLocaleString('en-US')} bytes)`);
    }
  }
  const { dataset, train, val } = await loadSplits(flags, log);
  const split = dataset.test ?? val;
  const which = dataset.test ? 'test set' : 'validation split (no test set found)';
  const model = claimed ? null : readModel(modelPath, await file.readAll());
  const spec = claimed ?? model!.spec;
  // Evaluation only needs a trainer for its forward pass; the config's training fields are unused.
  const config = { ...PRESETS.lecun, model: spec, batch: 1 };
  const network = `The model ${modelPath} (${describeModel(spec)})`;
  try {
    validateConfig(config, imageBytes(split), split.classes, train.count, split, 'evaluate');
  } catch (e) {
    // Only the network's fit is eval's concern; the advice on how to change it is for training.
    const problems = (e as Error).message.replace(/^Cannot train this configuration: /, '').replace(/: (start|end) the architecture with [^;.]+/g, '');
    throw new Error(`${network} does not fit the data in ${dataset.source}: ${problems} Evaluate it on data of the kind it was trained on.`);
  }
  let trainer;
  try {
    trainer = await openTrainer(config, flags, subset(train, 1), val);
  } catch (e) {
    const m = /needs a (\d+) MiB storage buffer, over the adapter's maxStorageBufferBindingSize of (\d+) MiB/.exec((e as Error).message);
    if (!m) throw e;
    throw new Error(`${network} needs a ${m[1]} MiB buffer, over this adapter's maxStorageBufferBindingSize of ${m[2]} MiB: evaluate it with --device cpu, or on a GPU with larger buffers.`);
  }
  try {
    const saved = model ?? readModel(modelPath, await file.readAll());
    await trainer.setParams(saved.params);
    await trainer.setLayerState(saved.state);
    const names = classNames(modelPath, saved.classNames, dataset);
    const r = await trainer.evaluate(split);
    const matrix = confusionMatrix(r.preds, split.labels, split.classes);
    if (flags.json) {
      const result = {
        model: modelPath, dataset: dataset.name, source: dataset.source, fallback: dataset.fallback ?? null, split: which,
        count: r.count, correct: r.correct, accuracy: r.accuracy, loss: r.loss, classNames: names ?? null, confusion: matrix,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    log(`${modelPath}: ${describeModel(spec)}`);
    if (dataset.fallback) log(`data: ${dataset.fallback}`);
    log(`${dataset.name} (${dataset.source}), ${which}: ${r.correct}/${r.count} correct, accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}`);
    log(formatConfusion(matrix, names));
  } finally {
    trainer.destroy();
  }
}
