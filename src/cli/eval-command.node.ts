/** `wgtrain eval MODEL`: accuracy and confusion matrix of a saved model. */
import { readFile } from 'node:fs/promises';
import { subset } from '../data/dataset.ts';
import { loadModel } from '../model/model-file.ts';
import { describeModel } from '../model/spec.ts';
import { PRESETS, validateConfig } from '../train/config.ts';
import { confusionMatrix, formatConfusion, pct } from './report.ts';
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

export interface EvalFlags extends DataFlags, DeviceFlags {
  json?: boolean;
}

export async function evalCommand(modelPath: string, flags: EvalFlags): Promise<void> {
  const log = (msg: string) => (flags.json ? process.stderr : process.stdout).write(`${msg}\n`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(modelPath));
  } catch (e) {
    throw new Error(`Cannot read model ${modelPath}: ${(e as Error).message}. Train one with \`wgtrain train --out ${modelPath}\`.`);
  }
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
  validateConfig(config, split.rows * split.cols, split.classes, train.count, split);
  const trainer = await openTrainer(config, flags, subset(train, 1), val);
  try {
    await trainer.setParams(model.params);
    const r = await trainer.evaluate(split);
    const matrix = confusionMatrix(r.preds, split.labels, split.classes);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ model: modelPath, split: which, count: r.count, accuracy: r.accuracy, loss: r.loss, confusion: matrix })}\n`);
      return;
    }
    log(`${modelPath}: ${describeModel(model.spec)}`);
    log(`${dataset.name} ${which}: ${r.correct}/${r.count} correct, accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}`);
    log(formatConfusion(matrix));
  } finally {
    trainer.destroy();
  }
}
