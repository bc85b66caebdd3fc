/** `wgtrain train`: train a network on MNIST (or any IDX folder), on the GPU or the CPU reference. */
import { writeFile, rename } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { saveModel } from '../model/model-file.ts';
import { describeModel } from '../model/spec.ts';
import { validateConfig } from '../train/config.ts';
import { configFromFlags, type TrainFlags } from './options.ts';
import { epochLine, firstNonFinite, pct } from './report.ts';
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

export interface TrainCommandFlags extends TrainFlags, DataFlags, DeviceFlags {
  out?: string;
  json?: boolean;
}

export async function trainCommand(flags: TrainCommandFlags): Promise<void> {
  const json = Boolean(flags.json);
  // Human-readable notes go to stderr under --json so stdout stays one JSON object per line.
  const log = (msg: string) => (json ? process.stderr : process.stdout).write(`${msg}\n`);
  const emit = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  const config = configFromFlags(flags);
  const { dataset, train, val } = await loadSplits(flags, log);
  validateConfig(config, train.rows * train.cols, train.classes, train.count);

  const trainer = await openTrainer(config, flags, train, val);
  log(`wgtrain: ${describeModel(config.model)}`);
  log(`  data ${dataset.name} (${dataset.source}): ${train.count} training, ${val.count} validation images`);
  if (!dataset.test) log(`  no test set (t10k files) in ${dataset.source}: accuracy is reported on the validation split`);
  log(`  batch ${config.batch}, η ${config.lr}${config.lrDecay !== 1 ? ` ×${config.lrDecay}/epoch` : ''}, L2 ${config.l2}, momentum ${config.momentum}, ${config.epochs} epochs, seed ${config.seed}`);
  log(`  ${trainer.description}`);
  if (json) emit({ type: 'start', config, device: trainer.kind, description: trainer.description, train: train.count, val: val.count, dataset: dataset.name });

  const showBar = !json && process.stdout.isTTY;
  const start = performance.now();
  let best = 0;
  try {
    for (let e = 1; e <= config.epochs; e++) {
      const bar = showBar
        ? new cliProgress.SingleBar(
            { format: `epoch ${e}/${config.epochs} [{bar}] {value}/{total} mini-batches`, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(Math.floor(train.count / config.batch), 0);
      const r = await trainer.trainEpoch((step) => bar?.update(step));
      bar?.stop();
      const bad = firstNonFinite(r.stepLoss);
      if (bad >= 0) {
        throw new Error(
          `Training diverged: the loss became ${r.stepLoss[bad]} at mini-batch ${bad + 1} of epoch ${r.epoch}. ` +
            `Try a smaller learning rate (now ${r.lr}).`,
        );
      }
      best = Math.max(best, r.val.accuracy);
      if (json) emit({ type: 'epoch', ...r, stepLoss: undefined, val: { ...r.val, preds: undefined } });
      else log(epochLine(r, config.epochs));
    }
    const seconds = (performance.now() - start) / 1000;
    const final = await trainer.evaluate(val);
    const test = dataset.test ? await trainer.evaluate(dataset.test) : null;
    if (json) {
      emit({ type: 'summary', seconds, valAccuracy: final.accuracy, bestValAccuracy: best, testAccuracy: test?.accuracy ?? null });
    } else {
      log(`done in ${seconds.toFixed(1)} s: validation accuracy ${pct(final.accuracy)} (best ${pct(best)})` + (test ? `, test accuracy ${pct(test.accuracy)}` : ''));
    }
    if (flags.out) {
      const path = flags.out.endsWith('.safetensors') ? flags.out : `${flags.out}.safetensors`;
      const bytes = saveModel(config.model, await trainer.getParams(), {
        epochs: String(config.epochs), valAccuracy: final.accuracy.toFixed(4), dataset: dataset.name, device: trainer.description,
      });
      await writeFile(`${path}.tmp`, bytes);
      await rename(`${path}.tmp`, path);
      log(`saved ${path}`);
    }
  } finally {
    trainer.destroy();
  }
}
