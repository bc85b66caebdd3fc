/**
 * The scheduler: trains a dense network with every step on the GPU.
 *
 * Everything is allocated and built once: the dataset stays resident as packed bytes,
 * parameters, gradients and activations live in GPU buffers, pipelines and bind groups
 * are cached. A mini-batch is a fixed list of dispatches
 *   gather → forward × (L − 1) → output layer (its forward, the loss and its gradient, and
 *   dX in one kernel) → for layers L..1: (dW,dB) with the SGD step fused in (plain SGD), or
 *   stored for one update over all parameters (momentum), and dX for layers L − 1..2
 * (8 or 9 for a 3-layer MLP; 10 or 11 where the tuner measured the output layer faster as
 * forward, loss and dX dispatches, as on llvmpipe: GpuTrainerOptions.fuseOutput; one more
 * for each matmul the tuner splits over k, its reduce) whose only per-step difference is the dynamic offset that picks
 * the step's slot in a uniform buffer written once, so no bytes go to the GPU per
 * mini-batch; an epoch's shuffled index list goes up once per epoch. Steps are encoded in
 * chunks, one compute pass and one submit each; the CPU waits on the GPU once per epoch,
 * for one read of the epoch's per-step stats and the validation results together.
 */
import type { Split } from '../data/dataset.ts';
import { initParams } from '../model/init.ts';
import { denseBlocks, paramLayout, type LayerBlock, type ParamLayout } from '../model/layout.ts';
import { permutation, type Rng } from '../model/rng.ts';
import { inputSize, layerActivations } from '../model/spec.ts';
import { featureStages, type FeatureStage } from '../model/stages.ts';
import { adamParams, dropoutSeed, lrAtEpoch, optimizerOf, type TrainConfig } from '../train/config.ts';
import { destroyDispatch, encodeDispatch, type Dispatch, type Slice } from './dispatch.ts';
import { byteInputFits, type MatmulChoice, type MatmulPolicy } from './matmul-plans.ts';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardWeightUpdate, conv2dForward } from './ops/conv.ts';
import { dropout } from './ops/dropout.ts';
import { evaluateRows } from './ops/evaluate.ts';
import { gatherBatch } from './ops/gather.ts';
import { quadraticCost, softmaxCrossEntropy } from './ops/loss.ts';
import { type ByteInput, matmulBackwardWeightUpdate, matmulBackwardInput, matmulBackwardWeight, matmulForward } from './ops/matmul.ts';
import { tunedOutputFusion, outputLayer, outputLayerFits } from './ops/output-layer.ts';
import { maxPoolBackward, maxPoolForward } from './ops/pool.ts';
import { optimizerBuffer, adamUpdate, optimizerWords, sgdMomentumUpdate, sgdUpdate } from './ops/update.ts';
import { colShape } from '../cpu/conv.ts';
import {
  foldRowStats, shuffleRng, summarizeEvaluation, summarizeSteps, type EpochReport, type Evaluation, type Trainer, type TrainerState,
} from '../train/trainer.ts';
import { packBytes, readBuffer, readFloats, storageBuffer } from './buffers.ts';
import { adapterName, type GpuContext } from './device.ts';
import { KernelCache, STEP_SLOT_BYTES } from './kernels.ts';
import { createAutotuner, createTuner, memoryStore, type MatmulTuner } from './autotune.ts';

export interface GpuTrainerOptions {
  /**
   * Matmul kernel; default: vec4 on software adapters, 'auto' on GPUs: the fastest variant
   * and split of k per shape on this adapter, measured by the autotuner.
   */
  variant?: MatmulChoice;
  /**
   * The autotuner (src/gpu/autotune.ts) with its cache: it picks the plans under 'auto' and,
   * for vec4, the form of the weight gradient's ones row. Default: one in memory, shared by
   * the trainers of this process.
   */
  tuner?: MatmulTuner;
  /**
   * Apply plain SGD inside each layer's weight-gradient matmul instead of storing the
   * gradients for a separate update (default: on without momentum). Off, the gradients stay
   * in memory for inspect().
   */
  fuseUpdate?: boolean;
  /**
   * Run the output layer's forward pass, the loss and its gradient, and the gradient into
   * the previous layer as one kernel (output_layer.wgsl) where it fits. Off: matmul forward,
   * the loss kernel (one workgroup) and the backward-input matmul. Default 'auto': both
   * timed on the adapter by the tuner (tunedOutputFusion), the winner cached. A GPU saves
   * two dispatches' launch costs per step; llvmpipe ran the fused kernel 2–12× slower than
   * the three dispatches it replaces (it scalarises output_layer's loads; measured with
   * bench/kernels.ts's output_layer rows).
   */
  fuseOutput?: boolean | 'auto';
  /** Mini-batches encoded per command buffer. */
  stepsPerSubmit?: number;
  /** Rows per validation chunk. */
  evalChunk?: number;
}

const now = () => performance.now() / 1000;

/**
 * Rows per validation chunk: 1000, or fewer for convolutional networks, whose im2col
 * matrices grow with it: at most 64 MiB each.
 */
function defaultEvalChunk(config: TrainConfig, layout: ParamLayout): number {
  const perSample = Math.max(0, ...featureStages(config.model, layout, 1).map((s) => (s.conv ? colBytes(s) : 0)));
  return perSample === 0 ? 1000 : Math.max(1, Math.min(1000, Math.floor(2 ** 26 / perSample)));
}

/** Bytes of a convolution stage's im2col matrix. */
function colBytes(s: FeatureStage): number {
  const { rows, cols } = colShape(s.conv!);
  return rows * cols * 4;
}

/**
 * vec4 on software adapters (measured fastest there on every shape: see the README's kernel
 * table); on GPUs, 'auto': the autotuner measures the candidates on the adapter itself.
 */
export function defaultVariant(ctx: GpuContext): MatmulChoice {
  return ctx.adapter.isSoftware ? 'vec4' : 'auto';
}

/** The default tuner's store: what one trainer measured, the next one on the same adapter reuses. */
const PROCESS_TUNE_STORE = memoryStore();

/** A split uploaded once: packed image bytes and labels. */
interface ResidentSplit {
  images: GPUBuffer;
  labels: GPUBuffer;
  count: number;
}

interface EvaluationProgram {
  /** Dispatches of each chunk; chunk c uses step slot c. */
  chunkPrograms: Dispatch[][];
  preds: GPUBuffer;
  rowLoss: GPUBuffer;
  count: number;
}

/** Buffers of one forward pass at batch size B. */
interface Activations {
  B: number;
  /** The input batch: f32, or bytes (four pixels to a u32) when the trainer's bytesInput. */
  x: GPUBuffer;
  y: GPUBuffer;
  /** Feature layers (convolution, pooling): their stages at B, outputs and pooling argmax. */
  stages: FeatureStage[];
  fa: GPUBuffer[];
  argmax: (GPUBuffer | null)[];
  /** Each convolution's im2col matrix. */
  cols: (GPUBuffer | null)[];
  acts: GPUBuffer[];
}

export class GpuTrainer implements Trainer {
  readonly kind = 'gpu';
  readonly description: string;
  readonly variant: MatmulPolicy;
  /**
   * Whether layer 1 reads its input batch as bytes (matmul_vec4_u8): a quarter of the
   * memory and of the loads of the two largest matmuls, with the vec4 variant on shapes
   * it fits (input width a multiple of 16, as MNIST's 784).
   */
  private bytesInput: boolean;
  /** Dispatches of one mini-batch, in order. */
  stepProgram: Dispatch[] = [];
  /**
   * Where the last epoch's time went (ms): encoding, training, validation + read-back;
   * gpuTrainMs and gpuValidationMs from timestamp queries around the passes, on adapters
   * that have them (null otherwise).
   */
  readonly timeline = {
    encodeMs: 0, trainMs: 0, validationMs: 0, epochMs: 0, gpuTrainMs: null as number | null, gpuValidationMs: null as number | null,
  };
  /** Timestamps: start of the first training pass, end of the last, start and end of validation. */
  private timestamps?: { set: GPUQuerySet; resolve: GPUBuffer };

  private k: KernelCache;
  private device: GPUDevice;
  private buffers: GPUBuffer[] = [];
  private params!: GPUBuffer;
  /** The gradients, unless the update is fused into the weight-gradient matmuls. */
  private grads?: GPUBuffer;
  /** Optimiser state: the velocity (momentum), or Adam's m then v (2·layout.total floats). */
  private velocity: GPUBuffer | null = null;
  /** The gradient of an im2col matrix, scratch shared by the convolution layers' backward passes. */
  private dCol: GPUBuffer | null = null;
  private dense: LayerBlock[];
  private opt!: GPUBuffer;
  private perm!: GPUBuffer;
  /** Per-step (Σ loss, #correct), or per-row (loss, correct) with output_layer: statsRows pairs per step. */
  private stats!: GPUBuffer;
  private statsRows = 1;
  private readback!: GPUBuffer;
  private permHost: Uint32Array<ArrayBuffer>;
  private rng: Rng;
  private epochsDone = 0;
  private steps: number;
  private valEval!: EvaluationProgram;
  private batch!: Activations & { dZ: GPUBuffer[]; fd: GPUBuffer[] };
  private trainData!: ResidentSplit;
  private valData!: ResidentSplit;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: TrainConfig,
    readonly layout: ParamLayout,
    readonly train: Split,
    readonly val: Split,
    private options: Required<Omit<GpuTrainerOptions, 'tuner'>>,
    tuner?: MatmulTuner,
  ) {
    this.k = new KernelCache(ctx);
    const planner = createAutotuner(this.k, tuner ?? createTuner(ctx, PROCESS_TUNE_STORE));
    this.device = ctx.device;
    this.variant = { variant: options.variant, planner };
    const [C, OC] = config.model.sizes;
    this.dense = denseBlocks(layout);
    // Bytes feed the first dense layer's matmul; a convolution reads floats.
    this.bytesInput = !config.model.features?.length && options.variant !== 'auto' && byteInputFits(options.variant, config.batch, C, OC);
    this.description = `GPU: ${adapterName(ctx.adapter)}, matmul ${options.variant === 'auto' ? 'autotuned per shape' : options.variant}`;
    this.rng = shuffleRng(config.seed);
    this.permHost = new Uint32Array(train.count);
    this.steps = Math.floor(train.count / config.batch);
  }

  static async create(ctx: GpuContext, config: TrainConfig, train: Split, val: Split, options: GpuTrainerOptions = {}): Promise<GpuTrainer> {
    const layout = paramLayout(config.model);
    const full: Required<Omit<GpuTrainerOptions, 'tuner'>> = {
      variant: options.variant ?? defaultVariant(ctx),
      fuseUpdate: (options.fuseUpdate ?? true) && optimizerOf(config) === 'sgd',
      fuseOutput: options.fuseOutput ?? 'auto',
      stepsPerSubmit: options.stepsPerSubmit ?? 100,
      evalChunk: options.evalChunk ?? defaultEvalChunk(config, layout),
    };
    const t = new GpuTrainer(ctx, config, layout, train, val, full, options.tuner);
    t.checkLimits(); // before the parameters are allocated
    if (full.variant === 'auto' && !config.model.features?.length) {
      const [C, OC] = config.model.sizes;
      t.bytesInput = await t.variant.planner!.byteInput(config.batch, C, OC);
    }
    await t.build(initParams(config.model, config.seed).params);
    return t;
  }

  get epoch(): number {
    return this.epochsDone;
  }

  /** Refuses sizes beyond the adapter's limits, naming the limit and the way around it. */
  private checkLimits(): void {
    const max = this.ctx.adapter.limits.maxStorageBufferBindingSize;
    const P = this.train.rows * this.train.cols;
    const rows = Math.max(this.config.batch, this.options.evalChunk);
    const stages = featureStages(this.config.model, this.layout, this.config.batch);
    const largest = Math.max(
      this.train.count * P,
      this.layout.total * 4 * (optimizerOf(this.config) === 'adam' ? 2 : 1),
      rows * Math.max(inputSize(this.config.model), ...this.config.model.sizes, ...stages.map((s) => s.outSize)) * 4,
      ...stages.map((s) => (s.conv ? colBytes(s) * (rows / this.config.batch) : 0)),
    );
    if (largest > max) {
      throw new Error(
        `This run needs a ${(largest / 2 ** 20).toFixed(0)} MiB storage buffer, over the adapter's maxStorageBufferBindingSize ` +
          `of ${(max / 2 ** 20).toFixed(0)} MiB: use fewer training images, a smaller batch, or a smaller network.`,
      );
    }
  }

  private track<T extends GPUBuffer>(b: T): T {
    this.buffers.push(b);
    return b;
  }

  private storage(label: string, data: number | ArrayBufferView): GPUBuffer {
    return this.track(storageBuffer(this.device, label, data));
  }

  private upload(split: Split, name: string): ResidentSplit {
    return {
      images: this.storage(`${name} images`, packBytes(split.images)),
      labels: this.storage(`${name} labels`, packBytes(split.labels)),
      count: split.count,
    };
  }

  /** A uniform buffer with one STEP_SLOT_BYTES slot per step: (index, first row). */
  private stepSlots(label: string, count: number, rowsPerStep: number): GPUBindGroup {
    const words = new Uint32Array((count * STEP_SLOT_BYTES) / 4);
    for (let s = 0; s < count; s++) words.set([s, s * rowsPerStep], (s * STEP_SLOT_BYTES) / 4);
    const buffer = this.track(
      this.device.createBuffer({ label, size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true }),
    );
    new Uint32Array(buffer.getMappedRange()).set(words);
    buffer.unmap();
    return this.k.stepBindGroup(buffer, label);
  }

  private activations(B: number, label: string): Activations {
    const sizes = this.config.model.sizes;
    const stages = featureStages(this.config.model, this.layout, B);
    return {
      B,
      x: this.storage(`${label} x`, B * inputSize(this.config.model) * (this.bytesInput ? 1 : 4)),
      y: this.storage(`${label} y`, B * 4),
      stages,
      fa: stages.map((s, f) => this.storage(`${label} ${s.kind}${f + 1} out`, B * s.outSize * 4)),
      argmax: stages.map((s, f) => (s.kind === 'pool' ? this.storage(`${label} pool${f + 1} argmax`, B * s.outSize * 4) : null)),
      cols: stages.map((s, f) => (s.conv ? this.storage(`${label} conv${f + 1} im2col`, colBytes(s)) : null)),
      acts: sizes.slice(1).map((n, l) => this.storage(`${label} a${l + 1}`, B * n * 4)),
    };
  }

  /** The first dense layer's input: the last feature layer's output, or the image batch. */
  private denseInput(a: Activations): GPUBuffer | ByteInput {
    return a.fa.length ? a.fa[a.fa.length - 1] : this.input(a);
  }

  private input(a: Activations): GPUBuffer | ByteInput {
    return this.bytesInput ? { bytes: a.x } : a.x;
  }

  private block(buffer: GPUBuffer, b: LayerBlock): Slice {
    return { buffer, offset: b.offset * 4, size: b.size * 4 };
  }

  /** Dropout of hidden dense layer l's units (x: its activations, or their gradient) in the training program, if any. */
  private async dropout(x: GPUBuffer, l: number, B: number, step: GPUBindGroup, label: string): Promise<Dispatch[]> {
    const p = this.config.dropout ?? 0;
    if (!(p > 0) || l >= this.dense.length - 1) return [];
    return [await dropout(this.k, x, B * this.dense[l].OC, dropoutSeed(this.config), l, p, this.opt, step, label)];
  }

  /**
   * gather and the forward pass for batch buffers `a` (with dropout when `training`); the
   * output layer's forward too unless `withOutput` is false (output_layer computes it).
   */
  private async forwardProgram(
    a: Activations, data: ResidentSplit, indices: GPUBuffer, step: GPUBindGroup, tag: string, training = false, withOutput = true,
  ): Promise<Dispatch[]> {
    const P = this.train.rows * this.train.cols;
    const acts = layerActivations(this.config.model);
    const out = [await gatherBatch(this.k, this.input(a), a.y, data.images, data.labels, indices, a.B, P, step, `${tag} gather`)];
    for (const [f, s] of a.stages.entries()) {
      const input = f === 0 ? a.x : a.fa[f - 1];
      if (s.kind === 'conv') {
        out.push(...(await conv2dForward(this.k, this.variant, a.fa[f], a.cols[f]!, input, this.block(this.params, s.block!), s.conv!, s.act, `${tag} conv ${f + 1}`)));
      } else {
        out.push(await maxPoolForward(this.k, a.fa[f], a.argmax[f]!, input, s.pool!, `${tag} pool ${f + 1}`));
      }
    }
    for (const [l, b] of this.dense.entries()) {
      if (!withOutput && l === this.dense.length - 1) break;
      const input = l === 0 ? this.denseInput(a) : a.acts[l - 1];
      out.push(await matmulForward(this.k, this.variant, a.acts[l], input, this.block(this.params, b), a.B, b.C, b.OC, acts[l], `${tag} forward ${l + 1}`));
      if (training) out.push(...(await this.dropout(a.acts[l], l, a.B, step, `${tag} dropout ${l + 1}`)));
    }
    return out;
  }

  private async build(initial: Float32Array): Promise<void> {
    const { config, layout } = this;
    const B = config.batch;
    const L = this.dense.length;
    const K = this.dense[L - 1].OC;
    const acts = layerActivations(config.model);
    const optimizer = optimizerOf(config);

    this.trainData = this.upload(this.train, 'train');
    this.valData = this.upload(this.val, 'val');
    this.params = this.storage('params', initial);
    if (!this.options.fuseUpdate) this.grads = this.storage('grads', layout.total * 4);
    if (optimizer !== 'sgd') this.velocity = this.storage('optimizer state', layout.total * 4 * (optimizer === 'adam' ? 2 : 1));
    this.opt = this.track(optimizerBuffer(this.device, layout, config.lr, config.l2, config.momentum));
    this.perm = this.storage('shuffled indices', this.train.count * 4);

    // One mini-batch.
    const a = this.activations(B, 'batch');
    const F = a.stages.length;
    // The output layer's input, and what it differentiates for dH (none for the image batch).
    // A byte batch (a 784-10 network reading bytes) stays with the matmul path that reads bytes.
    const input = L > 1 ? a.acts[L - 2] : this.denseInput(a);
    const h = 'bytes' in input ? null : input;
    const actPrev = L > 1 ? acts[L - 2] : F > 0 ? a.stages[F - 1].act : 'identity';
    const fusedOutput =
      h !== null && outputLayerFits(this.device, K) &&
      (this.options.fuseOutput === 'auto'
        ? await tunedOutputFusion(this.k, this.variant, B, this.dense[L - 1].C, K, config.model.loss, config.model.outputActivation, actPrev)
        : this.options.fuseOutput);
    this.statsRows = fusedOutput ? B : 1;
    this.stats = this.storage('step stats', this.steps * this.statsRows * 8);
    const dZ = config.model.sizes.slice(1).map((n, l) => this.storage(`dZ${l + 1}`, B * n * 4));
    const fd = a.stages.map((st, f) => this.storage(`${st.kind}${f + 1} gradient`, B * st.outSize * 4));
    const dColBytes = Math.max(0, ...a.stages.slice(1).map((st) => (st.conv ? colBytes(st) : 0)));
    if (dColBytes > 0) this.dCol = this.storage('im2col gradient', dColBytes);
    this.batch = { ...a, dZ, fd };
    const trainStep = this.stepSlots('train steps', this.steps, B);
    const program = await this.forwardProgram(a, this.trainData, this.perm, trainStep, 'train', true, !fusedOutput);
    const out = this.dense[L - 1];
    if (fusedOutput) {
      // Forward, loss and the backward input of the output layer; dH goes where the
      // backward-input matmul would have put it (dZ of the layer before, or the last feature
      // map's gradient), through the last hidden layer's dropout mask if it has one.
      const dH = L > 1 ? dZ[L - 2] : F > 0 ? fd[F - 1] : null;
      const p = config.dropout ?? 0;
      const drop = L > 1 && p > 0 ? { seed: dropoutSeed(config), layer: L - 2, p, opt: this.opt } : undefined;
      program.push(
        await outputLayer(
          this.k, a.acts[L - 1], dZ[L - 1], dH, this.stats, h!, this.block(this.params, out), a.y,
          B, out.C, K, config.model.loss, config.model.outputActivation, actPrev, trainStep, 'output layer', { dropout: drop },
        ),
      );
    } else {
      program.push(
        config.model.loss === 'cross-entropy'
          ? await softmaxCrossEntropy(this.k, dZ[L - 1], a.acts[L - 1], a.y, this.stats, B, K, trainStep)
          : await quadraticCost(this.k, dZ[L - 1], a.acts[L - 1], a.y, this.stats, B, K, config.model.outputActivation, trainStep),
      );
    }
    const fused = this.options.fuseUpdate;
    for (let l = L - 1; l >= 0; l--) {
      const b = this.dense[l];
      const input = l === 0 ? this.denseInput(a) : a.acts[l - 1];
      // Backward input reads this layer's W: before a fused update changes it (output_layer
      // has already computed the output layer's).
      const inputGradientDone = fusedOutput && l === L - 1;
      if (l > 0) {
        if (!inputGradientDone) {
          program.push(
            await matmulBackwardInput(this.k, this.variant, dZ[l - 1], dZ[l], this.block(this.params, b), a.acts[l - 1], B, b.C, b.OC, acts[l - 1], `backward input ${l + 1}`),
            ...(await this.dropout(dZ[l - 1], l - 1, B, trainStep, `backward dropout ${l}`)),
          );
        }
      } else if (F > 0 && !inputGradientDone) {
        program.push(
          await matmulBackwardInput(this.k, this.variant, fd[F - 1], dZ[0], this.block(this.params, b), a.fa[F - 1], B, b.C, b.OC, a.stages[F - 1].act, 'backward input dense 1'),
        );
      }
      program.push(
        fused
          ? await matmulBackwardWeightUpdate(this.k, this.variant, this.block(this.params, b), input, dZ[l], this.opt, B, b.C, b.OC, `backward weight + SGD ${l + 1}`)
          : await matmulBackwardWeight(this.k, this.variant, this.block(this.grads!, b), input, dZ[l], B, b.C, b.OC, `backward weight ${l + 1}`),
      );
    }
    for (let f = F - 1; f >= 0; f--) {
      const st = a.stages[f];
      const input = f === 0 ? a.x : a.fa[f - 1];
      const prevAct = f === 0 ? 'identity' : a.stages[f - 1].act;
      if (st.kind === 'pool') {
        if (f > 0) program.push(await maxPoolBackward(this.k, fd[f - 1], fd[f], a.argmax[f]!, input, st.pool!, prevAct, `pool ${f + 1} backward`));
        continue;
      }
      // As for dense layers: the input gradient reads W before a fused update changes it.
      const wb = this.block(this.params, st.block!);
      if (f > 0) {
        program.push(...(await conv2dBackwardInput(this.k, this.variant, fd[f - 1], this.dCol!, fd[f], wb, input, st.conv!, prevAct, `conv ${f + 1} backward input`)));
      }
      program.push(
        ...(fused
          ? await conv2dBackwardWeightUpdate(this.k, this.variant, wb, a.cols[f]!, fd[f], this.opt, st.conv!, `conv ${f + 1} backward weight + SGD`)
          : await conv2dBackwardWeight(this.k, this.variant, this.block(this.grads!, st.block!), a.cols[f]!, fd[f], this.opt, st.conv!, `conv ${f + 1} backward weight`)),
      );
    }
    if (!fused) {
      const n = layout.total;
      if (optimizer === 'adam') {
        const m = { buffer: this.velocity!, offset: 0, size: n * 4 };
        const v = { buffer: this.velocity!, offset: n * 4, size: n * 4 };
        program.push(await adamUpdate(this.k, this.params, m, v, this.grads!, this.opt, n, trainStep));
      } else {
        program.push(
          this.velocity
            ? await sgdMomentumUpdate(this.k, this.params, this.velocity, this.grads!, this.opt, n)
            : await sgdUpdate(this.k, this.params, this.grads!, this.opt, n),
        );
      }
    }
    this.stepProgram = program;

    this.valEval = await this.evaluationProgram(this.valData, this.val.count);
    if (this.ctx.hasTimestamps) {
      // GPU time of the epoch's training and validation passes, read back with the stats.
      const set = this.device.createQuerySet({ label: 'epoch timestamps', type: 'timestamp', count: 4 });
      const resolve = this.track(
        this.device.createBuffer({ label: 'epoch timestamps', size: 32, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      );
      this.timestamps = { set, resolve };
    }
    this.readback = this.track(
      this.device.createBuffer({
        label: 'epoch readback',
        size: this.statsBytes + this.val.count * 8 + (this.timestamps ? 32 : 0),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
  }

  /** Bytes of one epoch's stats: statsRows (loss, correct) pairs per step. */
  private get statsBytes(): number {
    return this.steps * this.statsRows * 8;
  }

  /** One (Σ loss, #correct) pair per step from the stats as the GPU wrote them. */
  private stepStats(raw: Float32Array): Float32Array {
    return this.statsRows === 1 ? raw : foldRowStats(raw, this.steps, this.statsRows);
  }

  /**
   * Evaluation of a resident split: gather and forward in chunks of evalChunk rows, then
   * per-row predictions and losses into preds and rowLoss.
   */
  private async evaluationProgram(data: ResidentSplit, V: number): Promise<EvaluationProgram> {
    const L = this.dense.length;
    const K = this.dense[L - 1].OC;
    const chunk = Math.min(this.options.evalChunk, V);
    const chunks = Math.ceil(V / chunk);
    const preds = this.storage('eval preds', V * 4);
    const rowLoss = this.storage('eval loss', V * 4);
    const indices = this.storage('eval indices', Uint32Array.from({ length: V }, (_, i) => i));
    const step = this.stepSlots('eval chunks', chunks, chunk);
    const full = this.activations(chunk, 'eval');
    const rest = V % chunk ? this.activations(V % chunk, 'eval rest') : full;
    const fullForward = await this.forwardProgram(full, data, indices, step, 'eval');
    const restForward = rest === full ? fullForward : await this.forwardProgram(rest, data, indices, step, 'eval rest');
    const chunkPrograms: Dispatch[][] = [];
    for (let c = 0; c < chunks; c++) {
      const part = c === chunks - 1 ? rest : full;
      const evaluate = await evaluateRows(
        this.k, preds, rowLoss, part.acts[L - 1], part.y, part.B, K, c * chunk, this.config.model.loss, `evaluate chunk ${c}`,
      );
      chunkPrograms.push([...(part === full ? fullForward : restForward), evaluate]);
    }
    return { chunkPrograms, preds, rowLoss, count: V };
  }

  private encodeEvaluation(pass: GPUComputePassEncoder, e: EvaluationProgram): void {
    e.chunkPrograms.forEach((program, c) => {
      for (const d of program) encodeDispatch(pass, d, c * STEP_SLOT_BYTES);
    });
  }

  private throwIfFailed(): void {
    const failure = this.ctx.failure();
    if (failure) throw failure;
  }

  /** Starts the next epoch: its learning rate and shuffled order go to the GPU. */
  beginEpoch(): number {
    const lr = lrAtEpoch(this.config, this.epochsDone + 1);
    // t0, the steps before this epoch: Adam's bias correction and the dropout masks count from it.
    const adam = { ...adamParams(this.config), t0: this.epochsDone * this.steps };
    this.device.queue.writeBuffer(this.opt, 0, optimizerWords(this.layout, lr, this.config.l2, this.config.momentum, adam));
    permutation(this.permHost, this.rng);
    this.device.queue.writeBuffer(this.perm, 0, this.permHost);
    return lr;
  }

  /** Encodes mini-batches first..last-1 of the current epoch in one compute pass and submits them. */
  submitSteps(first: number, last: number): void {
    if (!(0 <= first && first < last && last <= this.steps)) {
      throw new RangeError(`Mini-batches ${first}..${last - 1} are outside this epoch's 0..${this.steps - 1}.`);
    }
    const encoder = this.device.createCommandEncoder({ label: `steps ${first}..${last - 1}` });
    const ts = this.timestamps;
    const pass = encoder.beginComputePass(
      ts && (first === 0 || last === this.steps)
        ? {
            timestampWrites: {
              querySet: ts.set,
              ...(first === 0 ? { beginningOfPassWriteIndex: 0 } : {}),
              ...(last === this.steps ? { endOfPassWriteIndex: 1 } : {}),
            },
          }
        : {},
    );
    for (let s = first; s < last; s++) {
      for (const d of this.stepProgram) encodeDispatch(pass, d, s * STEP_SLOT_BYTES);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  async trainEpoch(onProgress?: (step: number, steps: number) => void): Promise<EpochReport> {
    this.throwIfFailed();
    const t0 = now();
    const epoch = this.epochsDone + 1;
    const lr = this.beginEpoch();
    const { device, steps } = this;
    let encodeMs = 0;
    for (let first = 0; first < steps; first += this.options.stepsPerSubmit) {
      const last = Math.min(steps, first + this.options.stepsPerSubmit);
      const e0 = now();
      this.submitSteps(first, last);
      encodeMs += now() - e0;
      // A fence, not a read: the progress bar follows the GPU without stalling it.
      device.queue.onSubmittedWorkDone().then(() => onProgress?.(last, steps));
    }
    // When the training mini-batches (not the validation after them) are done; awaited
    // only after the read-back below, which waits for all of it anyway.
    const trainFence = device.queue.onSubmittedWorkDone().then(() => now());

    const V = this.val.count;
    const encoder = device.createCommandEncoder({ label: `epoch ${epoch} validation` });
    const ts = this.timestamps;
    const pass = encoder.beginComputePass(
      ts ? { timestampWrites: { querySet: ts.set, beginningOfPassWriteIndex: 2, endOfPassWriteIndex: 3 } } : {},
    );
    this.encodeEvaluation(pass, this.valEval);
    pass.end();
    const S = this.statsBytes;
    encoder.copyBufferToBuffer(this.stats, 0, this.readback, 0, S);
    encoder.copyBufferToBuffer(this.valEval.preds, 0, this.readback, S, V * 4);
    encoder.copyBufferToBuffer(this.valEval.rowLoss, 0, this.readback, S + V * 4, V * 4);
    if (ts) {
      encoder.resolveQuerySet(ts.set, 0, 4, ts.resolve, 0);
      encoder.copyBufferToBuffer(ts.resolve, 0, this.readback, S + V * 8, 32);
    }
    device.queue.submit([encoder.finish()]);

    try {
      await this.readback.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.throwIfFailed(); // a lost device says why
      throw e;
    }
    const bytes = this.readback.getMappedRange();
    const stats = this.stepStats(new Float32Array(bytes.slice(0, S)));
    const preds = new Uint32Array(bytes.slice(S, S + V * 4));
    const rowLoss = new Float32Array(bytes.slice(S + V * 4, S + V * 8));
    const ns = ts ? new BigUint64Array(bytes.slice(S + V * 8, S + V * 8 + 32)) : null;
    this.readback.unmap();
    this.throwIfFailed();

    this.epochsDone = epoch;
    const summary = summarizeSteps(stats, steps, this.config.batch);
    const seconds = now() - t0;
    const trainDone = await trainFence;
    Object.assign(this.timeline, {
      encodeMs: 1000 * encodeMs, trainMs: 1000 * (trainDone - t0), validationMs: 1000 * (now() - trainDone), epochMs: 1000 * seconds,
      gpuTrainMs: ns && Number(ns[1] - ns[0]) / 1e6,
      gpuValidationMs: ns && Number(ns[3] - ns[2]) / 1e6,
    });
    return {
      epoch, lr, steps, samples: steps * this.config.batch, stepLoss: summary.stepLoss, trainLoss: summary.loss,
      trainAccuracy: summary.accuracy, val: summarizeEvaluation(preds, rowLoss, this.val.labels), seconds,
      samplesPerSecond: (steps * this.config.batch) / (trainDone - t0),
    };
  }

  private otherEvals = new WeakMap<Split, EvaluationProgram>();
  private otherEvalList: EvaluationProgram[] = [];

  /** Accuracy and loss on any split: the validation split, or another uploaded on first use. */
  async evaluate(split: Split): Promise<Evaluation> {
    this.throwIfFailed();
    let e = split === this.val ? this.valEval : this.otherEvals.get(split);
    if (!e) {
      e = await this.evaluationProgram(this.upload(split, 'eval'), split.count);
      this.otherEvals.set(split, e);
      this.otherEvalList.push(e);
    }
    const encoder = this.device.createCommandEncoder({ label: 'evaluate' });
    const pass = encoder.beginComputePass();
    this.encodeEvaluation(pass, e);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const preds = new Uint32Array((await readFloats(this.device, e.preds, split.count)).buffer);
    const rowLoss = await readFloats(this.device, e.rowLoss, split.count);
    this.throwIfFailed();
    return summarizeEvaluation(preds, rowLoss, split.labels);
  }

  async getParams(): Promise<Float32Array> {
    return readFloats(this.device, this.params, this.layout.total);
  }

  async setParams(params: Float32Array): Promise<void> {
    this.device.queue.writeBuffer(this.params, 0, params as Float32Array<ArrayBuffer>);
  }

  async getVelocity(): Promise<Float32Array | null> {
    return this.velocity ? readFloats(this.device, this.velocity, this.velocity.size / 4) : null;
  }

  async setVelocity(v: Float32Array): Promise<void> {
    if (this.velocity) this.device.queue.writeBuffer(this.velocity, 0, v as Float32Array<ArrayBuffer>);
  }

  getState(): TrainerState {
    return { epoch: this.epochsDone, rng: this.rng.state() };
  }

  setState(state: TrainerState): void {
    this.epochsDone = state.epoch;
    this.rng.restore(state.rng);
  }

  /**
   * Everything the last mini-batch computed, read back (for the GPU-vs-CPU parity tests):
   * its input, activations and output gradients, the gradients (absent when the update is
   * fused: see GpuTrainerOptions.fuseUpdate) and the per-step stats.
   */
  async inspect(): Promise<{ x: Float32Array; features: Float32Array[]; acts: Float32Array[]; dZ: Float32Array[]; grads?: Float32Array; stats: Float32Array }> {
    const d = this.device;
    const { x, acts, dZ, fa, stages } = this.batch;
    const sizes = this.config.model.sizes;
    const B = this.config.batch;
    const P = inputSize(this.config.model);
    return {
      x: this.bytesInput
        ? Float32Array.from(new Uint8Array(await readBuffer(d, x, B * P)), (v) => v / 255)
        : await readFloats(d, x, B * P),
      features: await Promise.all(fa.map((f, i) => readFloats(d, f, B * stages[i].outSize))),
      acts: await Promise.all(acts.map((a, l) => readFloats(d, a, B * sizes[l + 1]))),
      dZ: await Promise.all(dZ.map((g, l) => readFloats(d, g, B * sizes[l + 1]))),
      grads: this.grads && (await readFloats(d, this.grads, this.layout.total)),
      stats: this.stepStats(await readFloats(d, this.stats, 2 * this.steps * this.statsRows)),
    };
  }

  /** Buffers this trainer owns, for the soak test's accounting. */
  get bufferCount(): number {
    return this.buffers.length;
  }

  destroy(): void {
    const evals = [this.valEval, ...this.otherEvalList];
    for (const d of [...this.stepProgram, ...evals.flatMap((e) => e?.chunkPrograms.flat() ?? [])]) destroyDispatch(d);
    for (const b of this.buffers) b.destroy();
    this.buffers = [];
    this.timestamps?.set.destroy();
  }
}
