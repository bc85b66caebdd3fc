/** `wgtrain eval MODEL`: accuracy and confusion matrix of a saved model. */
import { readFile, stat } from 'node:fs/promises';
import { subset } from '../data/dataset.ts';
import { loadModel } from '../model/model-file.ts';
import { describeModel } from '../model/arch.ts';
import { PRESETS, validateConfig } from '../train/config.ts';
import { confusionMatrix } from '../train/confusion.ts';
import { formatConfusion, pct } from './report.ts';
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

export interface EvalFlags extends DataFlags, DeviceFlags {
  json?: boolean;
}

/** Node's readFile refuses larger files; models are far smaller. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** The model file's bytes, after checking it is a regular file of a size that can be read. */
async function readModelFile(path: string): Promise<Uint8Array> {
  const cannot = (why: string) => new Error(`Cannot read the model ${path}: ${why}`);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw cannot('it is a folder, not a model file.');
    if (!info.isFile()) throw cannot('it is not a regular file.');
    if (info.size > MAX_MODEL_BYTES) {
      throw cannot(`it is ${info.size.toLocaleString('en-US')} bytes, more than a model file can be (at most ${MAX_MODEL_BYTES.toLocaleString('en-US')}).`);
    }
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    if (code === 'ENOENT') throw cannot(`there is no such file. Train one with \`wgtrain train --out ${path}\`.`);
    throw cannot(`${(e as Error).message}.`);
  }
}

export async function evalCommand(modelPath: string, flags: EvalFlags): Promise<void> {
  const log = (msg: string) => (flags.json ? process.stderr : process.stdout).write(`${msg}\n`);
  const bytes = await readModelFile(modelPath);
  let model;
  try {
    model = loadModel(bytes);
  } catch (e) {
    throw new Error(`${modelPath}: ${(e as Error).message}`);
  }
  const { dataset, train, val } = await loadSplits(flags, log);
  const split = dataset.test ?? val;
  const which = dataset.test ? 'test set' : 'validation split (no test set found)';
  // Evaluation only needs a trainer for its forward pass; the config's training fields are unused.
  const config = { ...PRESETS.lecun, model: model.spec, batch: 1 };
  try {
    validateConfig(config, split.rows * split.cols, split.classes, train.count, split);
  } catch (e) {
    const problems = (e as Error).message.replace(/^Cannot train this configuration: /, '');
    throw new Error(`The model ${modelPath} (${describeModel(model.spec)}) does not fit the data in ${dataset.source}: ${problems}`);
  }
  const trainer = await openTrainer(config, flags, subset(train, 1), val);
  try {
    await trainer.setParams(model.params);
    const r = await trainer.evaluate(split);
    const matrix = confusionMatrix(r.preds, split.labels, split.classes);
    if (flags.json) {
      const result = {
        model: modelPath, dataset: dataset.name, source: dataset.source, fallback: dataset.fallback ?? null, split: which,
        count: r.count, correct: r.correct, accuracy: r.accuracy, loss: r.loss, confusion: matrix,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    log(`${modelPath}: ${describeModel(model.spec)}`);
    if (dataset.fallback) log(`data: ${dataset.fallback}`);
    log(`${dataset.name} (${dataset.source}), ${which}: ${r.correct}/${r.count} correct, accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}`);
    log(formatConfusion(matrix));
  } finally {
    trainer.destroy();
  }
}
