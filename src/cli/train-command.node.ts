/** `wgtrain train`: train a network on MNIST (or any IDX folder), on the GPU or the CPU reference. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { imageBytes } from '../data/dataset.ts';
import { classNamesNote, saveModel } from '../model/model-file.ts';
import { architectureText, describeModel } from '../model/arch.ts';
import { paramLayout } from '../model/layout.ts';
import { continueSchedule, dataDifferences, firstBadValue, restoreCheckpoint, scheduleEntry, takeCheckpoint, type BadValue, type Checkpoint, type ScheduleEntry } from '../train/checkpoint.ts';
import { CHECKPOINT_FILE, dataIdentity, describeCheckpoint, lockCheckpointFolder, readCheckpoint, writeCheckpoint, type FolderLock } from '../train/checkpoint.node.ts';
import { adamParams, augmentText, isAdam, optimizerOf, trainingNote, validateConfig, weightDecayOf, type TrainConfig } from '../train/config.ts';
import { scheduleText } from '../train/schedule.ts';
import { divergence } from '../train/divergence.ts';
import { removeStaleTemps } from '../util/atomic-file.node.ts';
import { timesToAccuracy } from '../train/time-to-accuracy.ts';
import { configFromFlags, resumeConfig, targetAccuracy, type TrainFlags } from './options.ts';
import { checkCheckpointFolder, checkModelOut, checkOutBesideCheckpoint, checkOutFlag, modelPath, saveModelFile } from './output-files.node.ts';
import { dataLines, epochLine, pct, timeToAccuracyJson, timeToAccuracyLine } from './report.ts';

function optimizerText(config: TrainConfig): string {
  const o = optimizerOf(config);
  if (isAdam(o)) {
    const { beta1, beta2, eps } = adamParams(config);
    return o === 'adamw'
      ? `AdamW (β1 ${beta1}, β2 ${beta2}, ε ${eps}, weight decay ${weightDecayOf(config)})`
      : `Adam (β1 ${beta1}, β2 ${beta2}, ε ${eps})`;
  }
  return o === 'momentum' ? `SGD with momentum ${config.momentum}` : 'SGD';
}
import { loadSplits, openTrainer, type DataFlags, type DeviceFlags } from './setup.node.ts';

/** `s` as one word for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

export interface TrainCommandFlags extends TrainFlags, DataFlags, DeviceFlags {
  /** A path, false for --no-out, undefined for the default (defaultModelPath). */
  out?: string | false;
  json?: boolean;
  checkpoint?: string;
  resume?: boolean;
  /** Start afresh in a --checkpoint folder that holds a checkpoint, replacing it. */
  overwrite?: boolean;
  /** Stop once an epoch's validation accuracy reaches this (options.ts `targetAccuracy` reads it). */
  targetAccuracy?: string;
}

/** Where a run saves its model without --out: runs/wgtrain-784-300-100-10.safetensors, numbered (-2, -3 …) so no earlier run is overwritten. */
function defaultModelPath(arch: string, taken: (path: string) => boolean = existsSync): string {
  const stem = join('runs', `wgtrain-${arch}`);
  for (let n = 1; ; n++) {
    const path = `${stem}${n === 1 ? '' : `-${n}`}.safetensors`;
    if (!taken(path)) return path;
  }
}

interface Signals {
  /** The signal that asked the run to stop, if one did. */
  requested: () => NodeJS.Signals | null;
  /** Training begins: from now on a signal stops the run when the epoch ends, instead of at once. */
  begin: () => void;
  dispose: () => void;
}

/**
 * Before training begins, SIGINT/SIGTERM end the command at once, saying so (nothing is
 * lost; the exit handlers release the checkpoint lock). Once it has begun, the first asks
 * the run to stop when the current epoch ends (after its checkpoint is written); a second
 * one quits at once.
 */
function stopOnSignals(log: (msg: string) => void): Signals {
  let signal: NodeJS.Signals | null = null;
  let training = false;
  const code = (s: NodeJS.Signals) => (s === 'SIGINT' ? 130 : 143);
  const handler = (s: NodeJS.Signals) => {
    if (!training) {
      log(`${s} before training began: stopped; nothing was trained, so nothing is lost.`);
      process.exit(code(s));
    }
    if (signal) process.exit(code(s));
    signal = s;
    log(`${s}: stopping when this epoch ends (send it again to quit now).`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => signal,
    begin: () => (training = true),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Where a bad value sits, for messages: `params[123] (layers.0.weight)`. */
function badValueText(bad: BadValue, config: TrainConfig): string {
  const blocks = paramLayout(config.model).layers;
  const l = blocks.findIndex((b) => bad.index >= b.offset && bad.index < b.offset + b.size);
  const where = l < 0 ? '' : ` (layers.${l}.${bad.index < blocks[l].offset + blocks[l].weights ? 'weight' : 'bias'})`;
  return `${bad.tensor}[${bad.index}]${where} is ${bad.value}`;
}

/** Writes a checkpoint; when that fails, names the file and says the previous one is intact. */
async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  try {
    await writeCheckpoint(dir, c);
  } catch (e) {
    const room = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'once there is room' : 'once the folder can be written';
    const previous = c.state.epoch > 1 && c.history.length > 1
      ? `The previous checkpoint (after epoch ${c.state.epoch - 1}) is intact: ${room}, continue with --resume --checkpoint ${dir}.`
      : 'No earlier checkpoint was saved.';
    throw new Error(`Cannot write the checkpoint ${join(dir, CHECKPOINT_FILE)}: ${(e as Error).message}. ${previous}`);
  }
}

const settings = (c: Pick<TrainConfig, ScheduleKeys>) => `η ${c.lr}${c.lrDecay !== 1 ? ` ×${c.lrDecay}/epoch` : ''}, ${c.epochs} epochs`;
type ScheduleKeys = keyof Omit<ScheduleEntry, 'from'>;

/** Checks where the results go and locks the checkpoint folder, then trains; the lock goes with the process. */
export async function trainCommand(flags: TrainCommandFlags): Promise<void> {
  const json = Boolean(flags.json);
  // Human-readable notes go to stderr under --json so stdout stays one JSON object per line.
  const log = (msg: string) => (json ? process.stderr : process.stdout).write(`${msg}\n`);
  const emit = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  if (flags.resume && !flags.checkpoint) throw new Error('--resume needs --checkpoint DIR: the folder the interrupted run saved to.');
  if (flags.overwrite && !flags.checkpoint) throw new Error('--overwrite needs --checkpoint DIR: the folder whose checkpoint a new run replaces.');
  if (flags.overwrite && flags.resume) {
    throw new Error('--resume and --overwrite contradict each other: --resume continues the checkpoint, --overwrite starts again over it; give one.');
  }
  const target = flags.targetAccuracy !== undefined ? targetAccuracy(flags.targetAccuracy) : undefined;
  const signals = stopOnSignals(log);
  let lock: FolderLock | null = null;
  try {
    // Where the results go is checked first: a bad path must not cost a finished run.
    if (typeof flags.out === 'string') await checkOutFlag(flags.out);
    const out = typeof flags.out === 'string' ? modelPath(flags.out) : undefined;
    if (out) await checkModelOut(out);
    if (flags.checkpoint) {
      await checkCheckpointFolder(flags.checkpoint, Boolean(flags.resume));
      if (out) await checkOutBesideCheckpoint(out, flags.checkpoint);
      lock = await lockCheckpointFolder(flags.checkpoint, log);
      if (!flags.resume) {
        const existing = await describeCheckpoint(flags.checkpoint);
        if (existing && !flags.overwrite) {
          throw new Error(
            `--checkpoint ${flags.checkpoint} already holds a checkpoint (${existing}): continue it with --resume, start again over it with --overwrite, or name a new folder.`,
          );
        }
        if (existing) log(`--overwrite: the checkpoint in ${flags.checkpoint} (${existing}) is replaced when epoch 1 ends`);
      }
    }
    for (const target of [out, flags.checkpoint && join(flags.checkpoint, CHECKPOINT_FILE)]) {
      if (target) for (const stale of await removeStaleTemps(target)) log(`removed ${stale}, left behind by an interrupted run`);
    }
    await runTraining(flags, target, out, signals, log, emit);
  } finally {
    signals.dispose();
    lock?.release();
  }
}

/** The run itself, once its output paths are known to be writable and its checkpoint folder is locked. */
async function runTraining(
  flags: TrainCommandFlags, target: number | undefined, out: string | undefined, signals: Signals, log: (msg: string) => void, emit: (obj: object) => void,
): Promise<void> {
  const json = Boolean(flags.json);
  const resumed = flags.resume ? await readCheckpoint(flags.checkpoint!) : null;
  const config = resumed ? resumeConfig(resumed, flags, flags.checkpoint!) : configFromFlags(flags);
  const schedule = resumed ? continueSchedule(resumed, config) : [scheduleEntry(1, config)];
  // Without --out (and without --no-out) the model goes to runs/, named after the network.
  if (flags.out === undefined) {
    out = defaultModelPath(architectureText(config.model));
    await mkdir(dirname(out), { recursive: true });
    await checkModelOut(out);
    if (flags.checkpoint) await checkOutBesideCheckpoint(out, flags.checkpoint);
  }
  const { dataset, train, val } = await loadSplits(flags, log);
  validateConfig(config, imageBytes(train), train.classes, train.count, train);
  const identity = dataIdentity(dataset.name, train, val);
  if (resumed) {
    const differences = dataDifferences(resumed.data, identity);
    if (differences.length) {
      throw new Error(
        `The checkpoint in ${flags.checkpoint} belongs to a different run: ${differences.join('; ')} differ. ` +
          `Resume with the same --data, --validation and --limit as the run that wrote it, or start a new run with another --checkpoint folder.`,
      );
    }
    if (resumed.legacy) {
      log(
        `note: ${join(flags.checkpoint!, CHECKPOINT_FILE)} was written by an older wgtrain: it has no data digest and no checksum, ` +
          `so only the image counts (${identity.train}/${identity.val}) show it is the same data and only its fields were checked; ` +
          `the checkpoints written from now on record both.`,
      );
    }
  }

  const trainer = await openTrainer(config, flags, train, val);
  const history: number[] = [];
  /** Each epoch's training seconds (validation excluded), null where the checkpoint did not record them. */
  const epochSeconds: (number | null)[] = [];
  if (resumed) {
    try {
      await restoreCheckpoint(trainer, resumed, identity);
    } catch (e) {
      trainer.destroy();
      throw e;
    }
    history.push(...resumed.history);
    epochSeconds.push(...(resumed.epochSeconds ?? resumed.history.map(() => null)));
    if (!resumed.epochSeconds) {
      log(`note: the checkpoint records no training times (written by an older wgtrain): times to accuracy that include epochs 1–${resumed.state.epoch} are unknown`);
    }
    const changed = schedule.length > resumed.schedule.length ? `; from epoch ${resumed.state.epoch + 1}: ${settings(config)} (the checkpoint had ${settings(resumed.config)})` : '';
    log(`resuming from the checkpoint in ${flags.checkpoint} after epoch ${resumed.state.epoch}${changed}`);
  }
  log(`wgtrain: ${describeModel(config.model)}`);
  for (const line of dataLines(dataset, train.count, val.count)) log(`  ${line}`);
  const dropout = config.dropout ? `, dropout ${config.dropout}` : '';
  log(`  batch ${config.batch}, ${scheduleText(config)}, L2 ${config.l2}${dropout}, ${optimizerText(config)}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}, seed ${config.seed}`);
  const augmentation = augmentText(config);
  if (augmentation) log(`  ${augmentation} (training images only)`);
  log(`  ${trainer.description}`);
  if (json) {
    emit({
      type: 'start', config, device: trainer.kind, description: trainer.description, train: train.count, val: val.count, test: dataset.test?.count ?? null,
      dataset: dataset.name, source: dataset.source, fallback: dataset.fallback ?? null, classNames: dataset.classNames ?? null,
    });
  }

  const showBar = !json && process.stdout.isTTY;
  const start = performance.now();
  let best = Math.max(0, ...history);
  const kept = () =>
    flags.checkpoint && history.length
      ? ` The checkpoint after epoch ${history.length} in ${flags.checkpoint} is intact: continue it with --resume --checkpoint ${flags.checkpoint} and a smaller --lr (η at epoch 1) or --lr-decay.`
      : '';
  const notes = (epochs: string) => ({
    ...classNamesNote(dataset.classNames),
    epochs, dataset: dataset.name, dataSource: dataset.source, device: trainer.description, training: trainingNote(config),
    ...(config.augment ? { augment: JSON.stringify(config.augment) } : {}),
  });
  /** The parameters, refused (nothing written) when a value is not finite. */
  const soundParams = async (epoch: number): Promise<Float32Array> => {
    const params = await trainer.getParams();
    const bad = firstBadValue({ params });
    if (bad) throw new Error(`Training broke down in epoch ${epoch}: ${badValueText(bad, config)}, though the loss stayed finite. Nothing was written.${kept()}`);
    return params;
  };
  /** The epoch whose validation accuracy first reached --target-accuracy. */
  let reached: number | null = null;
  const targetText = () => `--target-accuracy ${pct(target!)}`;
  if (target !== undefined) {
    const at = history.findIndex((a) => a >= target);
    if (at >= 0) {
      reached = at + 1;
      log(`the checkpoint already reached ${targetText()} after epoch ${reached} (${pct(history[at])}): nothing more is trained`);
    }
  }
  signals.begin();
  try {
    for (let e = trainer.epoch + 1; e <= config.epochs && reached === null; e++) {
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
      const diverged = divergence(r);
      if (diverged) throw new Error(diverged + kept());
      best = Math.max(best, r.val.accuracy);
      history.push(r.val.accuracy);
      epochSeconds.push(r.trainSeconds);
      if (json) emit({ type: 'epoch', ...r, stepLoss: undefined, val: { ...r.val, preds: undefined } });
      else log(epochLine(r, config.epochs));
      if (flags.checkpoint) {
        const c = await takeCheckpoint(trainer, identity, history, schedule, epochSeconds);
        const badValue = firstBadValue({ params: c.params, ...c.optimizer });
        if (badValue) {
          history.pop();
          epochSeconds.pop();
          throw new Error(
            `Training broke down in epoch ${r.epoch}: ${badValueText(badValue, config)}, though the loss stayed finite. This epoch's checkpoint was not written.${kept()}`,
          );
        }
        await saveCheckpoint(flags.checkpoint, c);
      }
      // Reaching the target finishes the run, whatever signal came in meanwhile.
      if (target !== undefined && r.val.accuracy >= target) {
        reached = r.epoch;
        log(`reached ${targetText()} after epoch ${r.epoch} of ${config.epochs} (validation ${pct(r.val.accuracy)}): the run is finished`);
        break;
      }
      const signal = signals.requested();
      // A signal in the last epoch stops nothing: the run is finished, and ends as one.
      if (signal && r.epoch < config.epochs) {
        process.exitCode = signal === 'SIGINT' ? 130 : 143;
        if (flags.checkpoint) {
          log(`stopped after epoch ${r.epoch}; checkpoint saved in ${flags.checkpoint}: continue with --resume --checkpoint ${flags.checkpoint}`);
        } else if (out) {
          const bytes = saveModel(config.model, await soundParams(r.epoch), { ...notes(`${r.epoch} of ${config.epochs} (stopped)`), valAccuracy: r.val.accuracy.toFixed(4) }, await trainer.getLayerState());
          await saveModelFile(out, bytes);
          log(`stopped after epoch ${r.epoch} of ${config.epochs}; the weights after epoch ${r.epoch} are saved in ${out} (with --checkpoint DIR a stopped run can be continued)`);
        } else {
          log(`stopped after epoch ${r.epoch} of ${config.epochs}; nothing was saved (--no-out, and no --checkpoint)`);
        }
        log(timeToAccuracyLine(timesToAccuracy(history, epochSeconds)));
        return;
      }
      if (signal) log(`${signal} came in the last epoch: the run is finished, so it ends as one.`);
    }
    const seconds = (performance.now() - start) / 1000;
    const trained = trainer.epoch;
    const times = timesToAccuracy(history, epochSeconds);
    const targetTime = target !== undefined ? timesToAccuracy(history, epochSeconds, [target])[0] : null;
    const final = await trainer.evaluate(val);
    const test = dataset.test ? await trainer.evaluate(dataset.test) : null;
    const counted = (r: typeof final) => ({ count: r.count, correct: r.correct, accuracy: r.accuracy, loss: r.loss });
    let saved: { path: string; replaced: boolean } | null = null;
    if (out) {
      const epochs = trained < config.epochs ? `${trained} of ${config.epochs} (reached --target-accuracy ${target})` : String(config.epochs);
      const bytes = saveModel(config.model, await soundParams(trained), { ...notes(epochs), valAccuracy: final.accuracy.toFixed(4) }, await trainer.getLayerState());
      saved = { path: out, replaced: existsSync(out) };
      await saveModelFile(out, bytes, flags.checkpoint);
    }
    if (json) {
      emit({
        type: 'summary', seconds, valAccuracy: final.accuracy, bestValAccuracy: best, testAccuracy: test?.accuracy ?? null,
        val: counted(final), test: test && counted(test), model: saved?.path ?? null, epochs: trained,
        ...timeToAccuracyJson(times),
        ...(targetTime ? { targetAccuracy: target, targetReached: targetTime.epoch === null ? null : { epoch: targetTime.epoch, seconds: targetTime.seconds } } : {}),
      });
    } else {
      log(
        `done in ${seconds.toFixed(1)} s: validation accuracy ${pct(final.accuracy)} (best ${pct(best)})` +
          (test ? `, test accuracy ${pct(test.accuracy)} (${test.correct.toLocaleString('en-US')} of ${test.count.toLocaleString('en-US')}, loss ${test.loss.toFixed(4)})` : ''),
      );
      if (targetTime && targetTime.epoch === null) log(`${targetText()} not reached in ${trained} epochs (best ${pct(best)})`);
      log(timeToAccuracyLine(times));
    }
    // The eval command that measures the same images: the same data folder, read the same way, and validation split.
    const data =
      `${flags.data !== undefined ? ` --data ${shellWord(flags.data)}` : ''}` +
      `${flags.channels !== undefined ? ` --channels ${shellWord(flags.channels)}` : ''}${flags.size !== undefined ? ` --size ${shellWord(flags.size)}` : ''}` +
      `${flags.validation !== undefined ? ` --validation ${shellWord(flags.validation)}` : ''}`;
    if (saved) {
      log(
        `saved ${saved.path}${saved.replaced ? ' (replacing the file that was there)' : ''}` +
          `${flags.out === undefined ? ' (--out FILE names it, --no-out skips saving)' : ''}; measure it with: wgtrain eval ${shellWord(saved.path)}${data}`,
      );
    } else {
      log('not saved (--no-out): run without it, or with --out FILE, to keep the model');
    }
  } finally {
    trainer.destroy();
  }
}
