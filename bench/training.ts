/**
 * Training throughput: samples/s of the lecun preset, GPU vs CPU reference, across batch
 * sizes; of any preset (the convolutional ones) at its own batch size; and the breakdown
 * of one GPU epoch (encode, GPU, readback; dispatches, submits, reads and bytes uploaded).
 */
import type { Split } from '../src/data/dataset.ts';
import { CpuTrainer } from '../src/cpu/trainer.ts';
import type { GpuContext } from '../src/gpu/device.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { PRESETS, type PresetName, type TrainConfig } from '../src/train/config.ts';
import type { EpochReport } from '../src/train/trainer.ts';
import { fmtRate, table } from './table.ts';

export interface ThroughputRow {
  batch: number;
  /** Median samples/s over the measured epochs. */
  gpu: number;
  /** Slowest and fastest measured epoch. */
  gpuRange: [number, number];
  cpu: number;
  gpuValAccuracy: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * samples/s over whole epochs of `train` (as the trainer reports it: up to the fence after
 * the last mini-batch, which on llvmpipe resolves only with the validation read-back),
 * after one warm-up epoch on the GPU: the median of `epochs` measured epochs, with their range (software adapters share
 * the CPU with everything else on the machine, so single epochs vary by ±10%).
 */
export async function throughput(
  ctx: GpuContext, train: Split, val: Split, batches: number[], cpuTrain: Split, epochs = 1,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const batch of batches) {
    const config: TrainConfig = { ...PRESETS.lecun, batch, epochs: epochs + 1 };
    const gpu = await GpuTrainer.create(ctx, config, train, val);
    await gpu.trainEpoch(); // warm-up: pipelines compiled, caches filled
    const reports: EpochReport[] = [];
    for (let e = 0; e < epochs; e++) reports.push(await gpu.trainEpoch());
    const rates = reports.map((x) => x.samplesPerSecond);
    const r = reports[reports.length - 1];
    gpu.destroy();
    const cpu = new CpuTrainer(config, cpuTrain, val.count > 500 ? { ...val, count: 500 } : val);
    const c = await cpu.trainEpoch();
    const gpuRange: [number, number] = [Math.min(...rates), Math.max(...rates)];
    rows.push({ batch, gpu: median(rates), gpuRange, cpu: c.samplesPerSecond, gpuValAccuracy: r.val.accuracy });
  }
  return rows;
}

export function formatThroughput(rows: ThroughputRow[]): string {
  return table(
    ['batch', 'GPU samples/s (median)', 'GPU range', 'CPU samples/s', 'GPU / CPU'],
    rows.map((r) => [
      String(r.batch), fmtRate(r.gpu), `${fmtRate(r.gpuRange[0])}–${fmtRate(r.gpuRange[1])}`, fmtRate(r.cpu), `${(r.gpu / r.cpu).toFixed(1)}×`,
    ]),
  );
}

export interface NetworkThroughputRow {
  preset: string;
  batch: number;
  /** Median samples/s over the measured GPU epochs, and their range. */
  gpu: number;
  gpuRange: [number, number];
  /** Images per GPU epoch, and how many epochs were measured (after one warm-up epoch). */
  gpuImages: number;
  gpuEpochs: number;
  cpu: number;
  /** Images of the one CPU epoch. */
  cpuImages: number;
}

/**
 * samples/s of a preset (at its own batch size) on the GPU, over whole epochs of `train`
 * after a warm-up epoch (median of `epochs`), and on the CPU reference over one epoch of
 * `cpuTrain`. Validation runs on `val` (keep it small: it is not counted, but it is waited for).
 */
export async function presetThroughput(
  ctx: GpuContext, preset: PresetName, train: Split, val: Split, cpuTrain: Split, cpuVal: Split, epochs = 1,
): Promise<NetworkThroughputRow> {
  const config: TrainConfig = { ...PRESETS[preset], epochs: epochs + 1 };
  const gpu = await GpuTrainer.create(ctx, config, train, val);
  await gpu.trainEpoch(); // warm-up
  const rates: number[] = [];
  for (let e = 0; e < epochs; e++) rates.push((await gpu.trainEpoch()).samplesPerSecond);
  gpu.destroy();
  const cpu = await new CpuTrainer(config, cpuTrain, cpuVal).trainEpoch();
  return {
    preset, batch: config.batch, gpu: median(rates), gpuRange: [Math.min(...rates), Math.max(...rates)], gpuImages: train.count, gpuEpochs: epochs,
    cpu: cpu.samplesPerSecond, cpuImages: cpuTrain.count,
  };
}

export function formatPresetThroughput(rows: NetworkThroughputRow[]): string {
  return table(
    ['preset (batch)', 'GPU samples/s (median)', 'GPU range', 'GPU measured over', 'CPU samples/s', 'CPU measured over', 'GPU / CPU'],
    rows.map((r) => [
      `${r.preset} (${r.batch})`, fmtRate(r.gpu), `${fmtRate(r.gpuRange[0])}–${fmtRate(r.gpuRange[1])}`,
      `${r.gpuEpochs} × ${r.gpuImages} images, after 1 warm-up epoch`, fmtRate(r.cpu), `1 × ${r.cpuImages} images`, `${(r.gpu / r.cpu).toFixed(1)}×`,
    ]),
    (c) => c === 1 || c === 2 || c === 4 || c === 6,
  );
}

export interface Breakdown {
  batch: number;
  steps: number;
  dispatchesPerStep: number;
  submitsPerEpoch: number;
  readsPerEpoch: number;
  bytesUploadedPerEpoch: number;
  bytesUploadedPerStep: number;
  encodeMs: number;
  trainMs: number;
  validationMs: number;
  epochMs: number;
  /** From timestamp queries, where the adapter has them. */
  gpuTrainMs: number | null;
  gpuValidationMs: number | null;
  samplesPerSecond: number;
}

/**
 * One real epoch (trainer.trainEpoch) at batch `batch`, taken apart. The counts are
 * measured by wrapping the device's queue and GPUBuffer.mapAsync for the duration of the
 * epoch, not taken from the trainer's word: every submit, every byte written to the GPU
 * (and when: before the first mini-batch is submitted, or after), every map for reading.
 */
export async function breakdown(ctx: GpuContext, train: Split, val: Split, batch: number): Promise<Breakdown> {
  const t = await GpuTrainer.create(ctx, { ...PRESETS.lecun, batch }, train, val);
  await t.trainEpoch(); // warm-up
  const queue = ctx.device.queue;
  const counts = { submits: 0, reads: 0, bytesBeforeSteps: 0, bytesDuringSteps: 0 };
  const { submit, writeBuffer } = queue;
  const bufferProto = GPUBuffer.prototype;
  const mapAsync = bufferProto.mapAsync;
  queue.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    counts.submits++;
    return submit.call(this, buffers);
  };
  queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset?: number, size?: number) {
    // Offsets and sizes count elements for typed arrays, bytes otherwise.
    const unit = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const bytes = size !== undefined ? size * unit : data.byteLength - (dataOffset ?? 0) * unit;
    if (counts.submits === 0) counts.bytesBeforeSteps += bytes;
    else counts.bytesDuringSteps += bytes;
    return writeBuffer.call(this, buffer, offset, data as GPUAllowSharedBufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  bufferProto.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    counts.reads++;
    return mapAsync.apply(this, args);
  };
  let r;
  try {
    r = await t.trainEpoch();
  } finally {
    queue.submit = submit;
    queue.writeBuffer = writeBuffer;
    bufferProto.mapAsync = mapAsync;
  }
  const result: Breakdown = {
    batch, steps: r.steps, dispatchesPerStep: t.stepProgram.length, submitsPerEpoch: counts.submits, readsPerEpoch: counts.reads,
    bytesUploadedPerEpoch: counts.bytesBeforeSteps + counts.bytesDuringSteps, bytesUploadedPerStep: counts.bytesDuringSteps / r.steps,
    ...t.timeline, samplesPerSecond: r.samplesPerSecond,
  };
  t.destroy();
  return result;
}

export function formatBreakdown(b: Breakdown): string {
  return table(
    ['measure', 'value'],
    [
      [`mini-batches per epoch (batch ${b.batch})`, String(b.steps)],
      ['dispatches per mini-batch', String(b.dispatchesPerStep)],
      ['submits per epoch', String(b.submitsPerEpoch)],
      ['GPU→CPU reads per epoch', String(b.readsPerEpoch)],
      ['bytes uploaded per epoch (shuffled order + per-step learning rates)', String(b.bytesUploadedPerEpoch)],
      ['bytes uploaded per mini-batch', String(b.bytesUploadedPerStep)],
      ['encode + submit, all mini-batches (CPU; a synchronous backend runs the work here)', `${b.encodeMs.toFixed(0)} ms`],
      ['epoch start → training fence seen (wall)', `${b.trainMs.toFixed(0)} ms`],
      ['training fence → validation read back (wall; 0 when both resolve in one event poll)', `${b.validationMs.toFixed(0)} ms`],
      ['GPU time of the training passes (timestamp queries)', b.gpuTrainMs === null ? 'n/a: no timestamp queries' : `${b.gpuTrainMs.toFixed(0)} ms`],
      ['GPU time of the validation pass (timestamp queries)', b.gpuValidationMs === null ? 'n/a: no timestamp queries' : `${b.gpuValidationMs.toFixed(0)} ms`],
      ['whole epoch (wall)', `${b.epochMs.toFixed(0)} ms`],
      ['training samples/s', fmtRate(b.samplesPerSecond)],
    ],
    (c) => c > 0,
  );
}
