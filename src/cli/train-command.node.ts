/** `wgtrain train`: train a network on MNIST (or any IDX folder), on the GPU or the CPU reference. */
import { writeFile, rename } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { saveModel } from '../model/model-file.ts';
import { describeModel } from '../model/spec.ts';
import { restoreCheckpoint, takeCheckpoint } from '../train/checkpoint.ts';
import { readCheckpoint, writeCheckpoint } from '../train/checkpoint.node.ts';
import { adamParams, optimizerOf, validateConfig, type TrainConfig } from '../train/config.ts';

function optimizerText(config: TrainConfig): string {
  const o = optimizerOf(config);
  if (o === 'adam') {
    const { beta1, beta2, eps } = adamParams(config);
    return `Adam (β1 ${beta1}, β2 ${beta2}, ε ${eps})`;
  }
  return o === 'momentum' ? `SGD with momentum ${config.momentum}` : 'SGD';
}
import { configFromFlags, type TrainFlags } from './options.ts';
import { epochLine, firstNonFinite, pct } from './report.ts';
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

export interface TrainCommandFlags extends TrainFlags, DataFlags, DeviceFlags {
  out?: string;
  json?: boolean;
  checkpoint?: string;
  resume?: boolean;
}

/**
 * The first SIGINT/SIGTERM asks the run to stop when the current epoch ends (after its
 * checkpoint is written); a second one quits at once. Returns a function that tells
 * whether a stop was asked for (and by which signal), and one that removes the handlers.
 */
function stopOnSignals(log: (msg: string) => void): { requested: () => NodeJS.Signals | null; dispose: () => void } {
  let signal: NodeJS.Signals | null = null;
  const handler = (s: NodeJS.Signals) => {
    if (signal) process.exit(s === 'SIGINT' ? 130 : 143);
    signal = s;
    log(`${s}: stopping when this epoch ends (send it again to quit now).`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export async function trainCommand(flags: TrainCommandFlags): Promise<void> {
  const json = Boolean(flags.json);
  // Human-readable notes go to stderr under --json so stdout stays one JSON object per line.
  const log = (msg: string) => (json ? process.stderr : process.stdout).write(`${msg}\n`);
  const emit = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  if (flags.resume && !flags.checkpoint) throw new Error('--resume needs --checkpoint DIR: the folder the interrupted run saved to.');
  const resumed = flags.resume ? await readCheckpoint(flags.checkpoint!) : null;
  // A resumed run continues the checkpoint's configuration; only --epochs may extend it.
  const config = resumed
    ? { ...resumed.config, epochs: flags.epochs !== undefined ? configFromFlags(flags).epochs : resumed.config.epochs }
    : configFromFlags(flags);
  const { dataset, train, val } = await loadSplits(flags, log);
  validateConfig(config, train.rows * train.cols, train.classes, train.count, train);
  const identity = { source: dataset.name, train: train.count, val: val.count };

  const trainer = await openTrainer(config, flags, train, val);
  const history: number[] = [];
  if (resumed) {
    try {
      await restoreCheckpoint(trainer, resumed, identity);
    } catch (e) {
      trainer.destroy();
      throw e;
    }
    history.push(...resumed.history);
    log(`resuming from the checkpoint in ${flags.checkpoint} after epoch ${resumed.state.epoch}`);
  }
  log(`wgtrain: ${describeModel(config.model)}`);
  log(`  data ${dataset.name} (${dataset.source}): ${train.count} training, ${val.count} validation images`);
  if (!dataset.test) log(`  no test set (t10k files) in ${dataset.source}: accuracy is reported on the validation split`);
  log(`  batch ${config.batch}, η ${config.lr}${config.lrDecay !== 1 ? ` ×${config.lrDecay}/epoch` : ''}, L2 ${config.l2}, ${optimizerText(config)}, ${config.epochs} epochs, seed ${config.seed}`);
  log(`  ${trainer.description}`);
  if (json) emit({ type: 'start', config, device: trainer.kind, description: trainer.description, train: train.count, val: val.count, dataset: dataset.name });

  const showBar = !json && process.stdout.isTTY;
  const start = performance.now();
  let best = Math.max(0, ...history);
  const signals = stopOnSignals(log);
  try {
    for (let e = trainer.epoch + 1; e <= config.epochs; e++) {
      const bar = showBar
        ? new cliProgress.SingleBar(
            { format: `epoch ${e}/${config.epochs} [{bar}] {value}/{total} mini-batches`, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(Math.floor(train.count / config.batch), 0);
      let r;
      try {
        r = await trainer.trainEpoch((step) => bar?.update(step));
      } catch (err) {
        bar?.stop();
        const saved = flags.checkpoint && history.length
          ? ` The checkpoint after epoch ${history.length} in ${flags.checkpoint} is intact: continue with --resume --checkpoint ${flags.checkpoint} (add --device cpu to continue on the CPU reference).`
          : flags.checkpoint ? '' : ' With --checkpoint DIR a run can be resumed after such a failure.';
        throw new Error(`${(err as Error).message}${saved}`);
      }
      bar?.stop();
      const bad = firstNonFinite(r.stepLoss);
      if (bad >= 0) {
        throw new Error(
          `Training diverged: the loss became ${r.stepLoss[bad]} at mini-batch ${bad + 1} of epoch ${r.epoch}. ` +
            `Try a smaller learning rate (now ${r.lr}).`,
        );
      }
      best = Math.max(best, r.val.accuracy);
      history.push(r.val.accuracy);
      if (json) emit({ type: 'epoch', ...r, stepLoss: undefined, val: { ...r.val, preds: undefined } });
      else log(epochLine(r, config.epochs));
      if (flags.checkpoint) await writeCheckpoint(flags.checkpoint, await takeCheckpoint(trainer, identity, history));
      const signal = signals.requested();
      if (signal) {
        log(
          flags.checkpoint
            ? `stopped after epoch ${r.epoch}; checkpoint saved in ${flags.checkpoint}: continue with --resume --checkpoint ${flags.checkpoint}`
            : `stopped after epoch ${r.epoch} (no --checkpoint, so nothing was saved)`,
        );
        process.exitCode = signal === 'SIGINT' ? 130 : 143;
        return;
      }
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
    signals.dispose();
    trainer.destroy();
  }
}
