/**
 * The scheduler: trains a network with every step on the GPU.
 *
 * Everything is allocated and built once: the dataset stays resident as packed bytes,
 * parameters, gradients and activations live in GPU buffers (a GpuWorkspace, as the CPU
 * trainer's), pipelines and bind groups are cached. The step plan (step-plan.ts) decides
 * once how the step runs; the step (step.ts) walks the network's layers: gather → forward
 * in order → the loss (with the output layer's forward and dX in one kernel where the plan
 * fuses it) → backward in reverse (dW, dB with the SGD step fused in for plain SGD, else
 * stored for one update over all parameters) → the update. A 784-300-100-10 network is 8
 * dispatches fused, 10 unfused, one more for each matmul the tuner splits over k (its
 * reduce). The only per-step difference is the dynamic offset that picks the step's slot in
 * a uniform buffer, so no bytes go to the GPU per mini-batch; an epoch's shuffled index list
 * and its mini-batches' learning rates (the slots' lr words) go up once per epoch. Steps are encoded in chunks, one compute pass
 * and one submit each; the CPU waits on the GPU once per epoch, for one read of the epoch's
 * per-step stats and the validation results together (readback.ts).
 */
import { channelsLast, imageBytes, type Split } from '../data/dataset.ts';
import { initParams } from '../model/init.ts';
import { initState, type ParamLayout } from '../model/param-block.ts';
import { resolveNetwork, type ResolvedNetwork } from '../model/network.ts';
import { permutation, type Rng } from '../model/rng.ts';
import { classCount, inputSize, shapeSize } from '../model/spec.ts';
import { adamParams, augmentParams, optimizerStateCopies, weightDecayOf, type TrainConfig } from '../train/config.ts';
import { epochRates } from '../train/schedule.ts';
import { imageShape } from '../cpu/augment.ts';
import {
  foldRowStats, shuffleRng, summarizeEvaluation, summarizeSteps, type EpochReport, type Evaluation, type Trainer, type TrainerState,
} from '../train/trainer.ts';
import { packBytes, readBuffer, readFloats, storageBuffer } from './buffers.ts';
import { adapterName, type GpuContext } from './device.ts';
import { KernelCache, STEP_LR_WORD, STEP_SLOT_BYTES } from './kernels.ts';
import { createAutotuner, createTuner, memoryStore, type MatmulTuner } from './autotune.ts';
import { destroyDispatch, encodeDispatch, type Dispatch } from './dispatch.ts';
import type { MatmulChoice, MatmulPolicy } from './matmul-plans.ts';
import { evaluateRows } from './ops/evaluate.ts';
import { optimizerBuffer, optimizerWords } from './ops/update.ts';
import { epochReadback, readEpoch, type EpochReadback } from './readback.ts';
import { backward, forward, gather, loss, update, type GatherSource, type StepState } from './step.ts';
import { defaultEvalChunk, planStep, type StepPlan } from './step-plan.ts';
import { allocateScratch } from '../cpu/network.ts';
import { GpuWorkspace } from './workspace.ts';

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

export class GpuTrainer implements Trainer {
  readonly kind = 'gpu';
  readonly description: string;
  readonly variant: MatmulChoice;
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

  private device: GPUDevice;
  private buffers: GPUBuffer[] = [];
  private net: ResolvedNetwork;
  /** The step's buffers and decisions, shared by the step builders. */
  private s!: StepState;
  private perm!: GPUBuffer;
  /** The training steps' uniform slots, and their words on the CPU (the rates change per epoch). */
  private trainSlots!: { buffer: GPUBuffer; words: Uint32Array<ArrayBuffer> };
  private readback!: GPUBuffer;
  private readLayout!: EpochReadback;
  private permHost: Uint32Array<ArrayBuffer>;
  private rng: Rng;
  private epochsDone = 0;
  private steps: number;
  private valEval!: EvaluationProgram;
  private batch!: GpuWorkspace;
  private trainData!: ResidentSplit;
  private valData!: ResidentSplit;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: TrainConfig,
    readonly train: Split,
    readonly val: Split,
    private k: KernelCache,
    private plan: StepPlan,
  ) {
    this.device = ctx.device;
    this.variant = plan.variant.variant;
    this.net = resolveNetwork(config.model);
    this.description = `GPU: ${adapterName(ctx.adapter)}, matmul ${this.variant === 'auto' ? 'autotuned per shape' : this.variant}`;
    this.rng = shuffleRng(config.seed);
    this.permHost = new Uint32Array(train.count);
    this.steps = Math.floor(train.count / config.batch);
  }

  static async create(ctx: GpuContext, config: TrainConfig, train: Split, val: Split, options: GpuTrainerOptions = {}): Promise<GpuTrainer> {
    const net = resolveNetwork(config.model);
    const k = new KernelCache(ctx);
    // The autotuner is the planner the ops consult under 'auto'; created here, and nowhere else in a trainer.
    const planner = createAutotuner(k, options.tuner ?? createTuner(ctx, PROCESS_TUNE_STORE));
    const request = { ...options, variant: { variant: options.variant ?? defaultVariant(ctx), planner } };
    // The limits first, before anything is measured or allocated.
    checkLimits(ctx, config, net, train, request.variant, request.evalChunk);
    const plan = await planStep(k, ctx, config, net, request);
    const t = new GpuTrainer(ctx, config, train, val, k, plan);
    await t.build(initParams(config.model, config.seed).params);
    return t;
  }

  get layout(): ParamLayout {
    return this.net.layout;
  }

  get epoch(): number {
    return this.epochsDone;
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
      images: this.storage(`${name} images`, packBytes(channelsLast(split.images, this.config.model.input))),
      labels: this.storage(`${name} labels`, packBytes(split.labels)),
      count: split.count,
    };
  }

  /**
   * A uniform buffer with one STEP_SLOT_BYTES slot per step: (index, first row, learning
   * rate 0); the training slots' rates are written by beginEpoch, from `words`.
   */
  private stepSlots(label: string, count: number, rowsPerStep: number): { bindGroup: GPUBindGroup; buffer: GPUBuffer; words: Uint32Array<ArrayBuffer> } {
    const words = new Uint32Array((count * STEP_SLOT_BYTES) / 4);
    for (let s = 0; s < count; s++) words.set([s, s * rowsPerStep], (s * STEP_SLOT_BYTES) / 4);
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const buffer = this.track(this.device.createBuffer({ label, size: words.byteLength, usage, mappedAtCreation: true }));
    new Uint32Array(buffer.getMappedRange()).set(words);
    buffer.unmap();
    return { bindGroup: this.k.stepBindGroup(buffer, label), buffer, words };
  }

  private workspace(B: number, training: boolean, label: string): GpuWorkspace {
    return new GpuWorkspace(this.net, B, training, this.plan.bytesInput, (l, bytes) => this.storage(l, bytes), label, this.plan.variant);
  }

  private source(data: ResidentSplit, indices: GPUBuffer): GatherSource {
    return { images: data.images, labels: data.labels, indices, P: imageBytes(this.train) };
  }

  private async build(initial: Float32Array): Promise<void> {
    const { config, plan } = this;
    const { total } = this.net.layout;
    const copies = optimizerStateCopies(config);
    this.trainData = this.upload(this.train, 'train');
    this.valData = this.upload(this.val, 'val');
    this.s = {
      k: this.k,
      variant: plan.variant,
      fuseUpdate: plan.fuseUpdate,
      config,
      plan,
      total,
      params: this.storage('params', initial),
      layerState: this.storage('layer state', initState(this.net.state)),
      grads: plan.fuseUpdate ? undefined : this.storage('grads', total * 4),
      velocity: copies ? this.storage('optimizer state', total * 4 * copies) : null,
      opt: this.track(optimizerBuffer(this.device, this.net.layout, config.lr, config.l2, config.momentum)),
      stats: this.storage('step stats', this.steps * plan.statsRows * 8),
    };
    this.perm = this.storage('shuffled indices', this.train.count * 4);

    // One mini-batch: gather, forward, loss, backward, update.
    this.batch = this.workspace(config.batch, true, 'batch');
    const slots = this.stepSlots('train steps', this.steps, config.batch);
    this.trainSlots = slots;
    const step = slots.bindGroup;
    const augment = augmentParams(config, this.steps);
    const src = { ...this.source(this.trainData, this.perm), ...(plan.augment && augment ? { augment: { params: augment, shape: imageShape(this.train) } } : {}) };
    this.stepProgram = [
      ...(await gather(this.s, this.batch, src, step, 'train')),
      ...(await forward(this.s, this.batch, step, 'train')),
      ...(await loss(this.s, this.batch, step)),
      ...(await backward(this.s, this.batch, step)),
      ...(await update(this.s, step)),
    ];

    this.valEval = await this.evaluationProgram(this.valData, this.val.count);
    if (this.ctx.hasTimestamps) {
      // GPU time of the epoch's training and validation passes, read back with the stats.
      const set = this.device.createQuerySet({ label: 'epoch timestamps', type: 'timestamp', count: 4 });
      const resolve = this.track(
        this.device.createBuffer({ label: 'epoch timestamps', size: 32, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      );
      this.timestamps = { set, resolve };
    }
    this.readLayout = epochReadback(this.steps * plan.statsRows * 8, this.val.count, Boolean(this.timestamps));
    this.readback = this.track(
      this.device.createBuffer({ label: 'epoch readback', size: this.readLayout.bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    );
  }

  /** One (Σ loss, #correct) pair per step from the stats as the GPU wrote them. */
  private stepStats(raw: Float32Array): Float32Array {
    return this.plan.statsRows === 1 ? raw : foldRowStats(raw, this.steps, this.plan.statsRows);
  }

  /**
   * Evaluation of a resident split: gather and forward in chunks of evalChunk rows, then
   * per-row predictions and losses into preds and rowLoss.
   */
  private async evaluationProgram(data: ResidentSplit, V: number): Promise<EvaluationProgram> {
    const K = classCount(this.config.model);
    const chunk = Math.min(this.plan.evalChunk, V);
    const chunks = Math.ceil(V / chunk);
    const preds = this.storage('eval preds', V * 4);
    const rowLoss = this.storage('eval loss', V * 4);
    const indices = this.storage('eval indices', Uint32Array.from({ length: V }, (_, i) => i));
    const step = this.stepSlots('eval chunks', chunks, chunk).bindGroup;
    const src = this.source(data, indices);
    const full = this.workspace(chunk, false, 'eval');
    const rest = V % chunk ? this.workspace(V % chunk, false, 'eval rest') : full;
    const program = async (ws: GpuWorkspace, tag: string) => [...(await gather(this.s, ws, src, step, tag)), ...(await forward(this.s, ws, step, tag))];
    const fullForward = await program(full, 'eval');
    const restForward = rest === full ? fullForward : await program(rest, 'eval rest');
    const chunkPrograms: Dispatch[][] = [];
    for (let c = 0; c < chunks; c++) {
      const part = c === chunks - 1 ? rest : full;
      const evaluate = await evaluateRows(
        this.k, preds, rowLoss, part.output, part.y, part.B, K, c * chunk, this.config.model.loss, `evaluate chunk ${c}`,
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

  /**
   * Starts the next epoch: its mini-batches' learning rates (into their step slots) and its
   * shuffled order go to the GPU. Returns the rate of the epoch's last mini-batch.
   */
  beginEpoch(): number {
    const rates = epochRates(this.config, this.epochsDone + 1, this.steps);
    const { words, buffer } = this.trainSlots;
    const f32 = new Float32Array(words.buffer);
    rates.forEach((r, s) => (f32[(s * STEP_SLOT_BYTES) / 4 + STEP_LR_WORD] = r));
    this.device.queue.writeBuffer(buffer, 0, words);
    // t0, the steps before this epoch: Adam's bias correction and the dropout masks count from it.
    const adam = { ...adamParams(this.config), t0: this.epochsDone * this.steps, weightDecay: weightDecayOf(this.config) };
    // opt.lr, for the fused SGD paths, which the plan fuses only where the rate is the epoch's throughout.
    this.device.queue.writeBuffer(this.s.opt, 0, optimizerWords(this.layout, rates[0], this.config.l2, this.config.momentum, adam));
    permutation(this.permHost, this.rng);
    this.device.queue.writeBuffer(this.perm, 0, this.permHost);
    return rates[rates.length - 1];
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
    for (let first = 0; first < steps; first += this.plan.stepsPerSubmit) {
      const last = Math.min(steps, first + this.plan.stepsPerSubmit);
      const e0 = now();
      this.submitSteps(first, last);
      encodeMs += now() - e0;
      // A fence, not a read: the progress bar follows the GPU without stalling it.
      device.queue.onSubmittedWorkDone().then(() => onProgress?.(last, steps));
    }
    // When the training mini-batches (not the validation after them) are done; awaited
    // only after the read-back below, which waits for all of it anyway.
    const trainFence = device.queue.onSubmittedWorkDone().then(() => now());

    const encoder = device.createCommandEncoder({ label: `epoch ${epoch} validation` });
    const ts = this.timestamps;
    const pass = encoder.beginComputePass(
      ts ? { timestampWrites: { querySet: ts.set, beginningOfPassWriteIndex: 2, endOfPassWriteIndex: 3 } } : {},
    );
    this.encodeEvaluation(pass, this.valEval);
    pass.end();
    const at = this.readLayout;
    encoder.copyBufferToBuffer(this.s.stats, 0, this.readback, at.stats.offset, at.stats.bytes);
    encoder.copyBufferToBuffer(this.valEval.preds, 0, this.readback, at.preds.offset, at.preds.bytes);
    encoder.copyBufferToBuffer(this.valEval.rowLoss, 0, this.readback, at.rowLoss.offset, at.rowLoss.bytes);
    if (ts && at.timestamps) {
      encoder.resolveQuerySet(ts.set, 0, 4, ts.resolve, 0);
      encoder.copyBufferToBuffer(ts.resolve, 0, this.readback, at.timestamps.offset, at.timestamps.bytes);
    }
    device.queue.submit([encoder.finish()]);

    try {
      await this.readback.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.throwIfFailed(); // a lost device says why
      throw e;
    }
    const read = readEpoch(at, this.readback.getMappedRange());
    this.readback.unmap();
    const { preds, rowLoss, ns } = read;
    const stats = this.stepStats(read.stats);
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
      trainAccuracy: summary.accuracy, val: summarizeEvaluation(preds, rowLoss, this.val.labels), seconds, trainSeconds: trainDone - t0,
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
    return readFloats(this.device, this.s.params, this.layout.total);
  }

  async setParams(params: Float32Array): Promise<void> {
    this.device.queue.writeBuffer(this.s.params, 0, params as Float32Array<ArrayBuffer>);
  }

  async getLayerState(): Promise<Float32Array> {
    const n = this.net.state.total;
    return n ? readFloats(this.device, this.s.layerState, n) : new Float32Array(0);
  }

  async setLayerState(state: Float32Array): Promise<void> {
    if (state.length) this.device.queue.writeBuffer(this.s.layerState, 0, state as Float32Array<ArrayBuffer>);
  }

  async getVelocity(): Promise<Float32Array | null> {
    const v = this.s.velocity;
    return v ? readFloats(this.device, v, v.size / 4) : null;
  }

  async setVelocity(v: Float32Array): Promise<void> {
    if (this.s.velocity) this.device.queue.writeBuffer(this.s.velocity, 0, v as Float32Array<ArrayBuffer>);
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
    const ws = this.batch;
    const B = this.config.batch;
    const P = inputSize(this.config.model);
    const floats = (bufs: GPUBuffer[], dense: boolean) =>
      Promise.all(this.net.layers.filter((r) => (r.layer.type === 'dense') === dense).map((r) => readFloats(d, bufs[r.index], B * shapeSize(r.out))));
    return {
      x: this.plan.bytesInput
        ? Float32Array.from(new Uint8Array(await readBuffer(d, ws.x, B * P)), (v) => v / 255)
        : await readFloats(d, ws.x, B * P),
      features: await floats(ws.out, false),
      acts: await floats(ws.out, true),
      dZ: await floats(ws.grad, true),
      grads: this.s.grads && (await readFloats(d, this.s.grads, this.layout.total)),
      stats: this.stepStats(await readFloats(d, this.s.stats, 2 * this.steps * this.plan.statsRows)),
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

/** Refuses sizes beyond the adapter's limits, naming the limit and the way around it. */
function checkLimits(ctx: GpuContext, config: TrainConfig, net: ResolvedNetwork, train: Split, variant: MatmulPolicy, evalChunk?: number): void {
  const max = ctx.adapter.limits.maxStorageBufferBindingSize;
  const rows = Math.max(config.batch, evalChunk ?? defaultEvalChunk(net, variant));
  const scratch = allocateScratch(net.layers, rows, true, (s) => s.count * 4, variant).flatMap((r) => Object.values(r));
  const largest = Math.max(
    train.count * imageBytes(train),
    net.layout.total * 4 * Math.max(1, optimizerStateCopies(config)),
    rows * Math.max(inputSize(config.model), ...net.layers.map((r) => shapeSize(r.out))) * 4,
    ...scratch,
  );
  if (largest > max) {
    throw new Error(
      `This run needs a ${(largest / 2 ** 20).toFixed(0)} MiB storage buffer, over the adapter's maxStorageBufferBindingSize ` +
        `of ${(max / 2 ** 20).toFixed(0)} MiB: use fewer training images, a smaller batch, or a smaller network.`,
    );
  }
}
