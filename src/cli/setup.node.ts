/** What train and eval share: finding the data and opening a trainer on the chosen device. */
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset, Split } from '../data/dataset.ts';
import { parseChannels, parseImageSize } from '../data/image-assembly.ts';
import { resolveDataset } from '../data/resolve.node.ts';
import { CpuTrainer } from '../cpu/trainer.ts';
import { ADAPTER_CHOICES, openNodeGpu, type AdapterChoice } from '../gpu/node-gpu.node.ts';
import { ALL_MATMUL_VARIANTS, checkVariantRuns, type MatmulChoice } from '../gpu/matmul-plans.ts';
import { createTuner } from '../gpu/autotune.ts';
import { fileStore } from '../gpu/autotune.node.ts';
import { GpuTrainer } from '../gpu/trainer.ts';
import { paramLayout } from '../model/layout.ts';
import type { TrainConfig } from '../train/config.ts';
import { defaultValidation, splitTraining } from '../train/split.ts';
import type { Trainer } from '../train/trainer.ts';
import { quietDawn } from './native-stderr.node.ts';
import { createDownloadProgress } from './progress.node.ts';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DataFlags {
  data?: string;
  /** `--channels 1|3` (image folders and CSV files). */
  channels?: string;
  /** `--size N` or `HxW` (image folders and CSV files). */
  size?: string;
  /** `--validation N`; none: defaultValidation of the training set. */
  validation?: string;
  limit?: string;
}

export interface DeviceFlags {
  device: string;
  adapter: string;
  matmul?: string;
  /** Show Dawn's own warnings (native-stderr.node.ts). */
  verbose?: boolean;
}

export interface Splits {
  dataset: Dataset;
  train: Split;
  val: Split;
}

/** Digits without leading zeros, as every count on the command line. */
const DIGITS = /^[1-9]\d*$/;

export async function loadSplits(flags: DataFlags, log: (msg: string) => void): Promise<Splits> {
  const progress = createDownloadProgress(process.stderr);
  let dataset: Dataset;
  try {
    dataset = await resolveDataset({
      data: flags.data, channels: parseChannels(flags.channels), size: parseImageSize(flags.size),
      projectRoot: PROJECT_ROOT, log, onProgress: progress.onProgress, onFileDone: progress.onFileDone,
    });
  } finally {
    progress.stop();
  }
  // Digits only: Number() would also take "0x10" or "1e3".
  const digits = (flag: string) => (DIGITS.test(flag) ? Number(flag) : NaN);
  const validation = flags.validation === undefined ? defaultValidation(dataset.train.count) : digits(flags.validation);
  const choice = { validation, limit: flags.limit === undefined ? null : digits(flags.limit) };
  const names = {
    validation: flags.validation === undefined ? `--validation ${validation} (the default for ${dataset.train.count} training images)` : `--validation ${flags.validation}`,
    limit: `--limit ${flags.limit}`,
  };
  return { dataset, ...splitTraining(dataset.train, choice, names) };
}

/** At most this many float32 arrays as long as the parameters live on the host (parameters, gradients, optimiser state). */
const HOST_COPIES = 4;
/** The longest Float32Array Node allocates. */
const MAX_ARRAY_LENGTH = 2 ** 32;

/** Refuses a network whose parameters could not even be allocated here, before anything is. */
function checkNetworkFits(config: TrainConfig): void {
  const { total } = paramLayout(config.model);
  const bytes = total * 4 * HOST_COPIES;
  if (bytes > totalmem() || total > MAX_ARRAY_LENGTH) {
    throw new Error(
      `This network has ${total.toLocaleString('en-US')} parameters: ${Math.ceil(bytes / 2 ** 30)} GiB for them, their gradients ` +
        `and the optimiser's state, more than this machine can hold (${Math.floor(totalmem() / 2 ** 30)} GiB of memory, ` +
        `arrays of at most ${MAX_ARRAY_LENGTH.toLocaleString('en-US')} values): use a smaller network.`,
    );
  }
}

export async function openTrainer(config: TrainConfig, flags: DeviceFlags, train: Split, val: Split): Promise<Trainer> {
  checkNetworkFits(config);
  if (flags.device === 'cpu') return new CpuTrainer(config, train, val);
  if (flags.device !== 'gpu') throw new Error(`--device ${flags.device}: choose gpu or cpu.`);
  if (!(ADAPTER_CHOICES as readonly string[]).includes(flags.adapter)) {
    throw new Error(`--adapter ${flags.adapter}: choose one of ${ADAPTER_CHOICES.join(', ')}.`);
  }
  if (flags.matmul !== undefined && flags.matmul !== 'auto' && !(ALL_MATMUL_VARIANTS as readonly string[]).includes(flags.matmul)) {
    throw new Error(`--matmul ${flags.matmul}: choose auto or one of ${ALL_MATMUL_VARIANTS.join(', ')}.`);
  }
  return quietDawn(async () => {
    const ctx = await openNodeGpu(flags.adapter as AdapterChoice);
    try {
      if (flags.matmul !== undefined) checkVariantRuns(ctx, flags.matmul as MatmulChoice);
      // The tuner's winners persist in a cache file, so a resumed run uses the same kernels.
      const tuner = createTuner(ctx, fileStore());
      return await GpuTrainer.create(ctx, config, train, val, { variant: flags.matmul as MatmulChoice | undefined, tuner });
    } catch (e) {
      ctx.destroy();
      throw e;
    }
  }, flags.verbose);
}
