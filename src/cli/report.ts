/** Formatting results for people: the run's header, epoch lines, summaries, confusion matrices. */
import type { Dataset } from '../data/dataset.ts';
import type { EpochReport } from '../train/trainer.ts';

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Which data a run uses, said where it is read: the folder, any fallback, the test set or its absence. */
export function dataLines(dataset: Pick<Dataset, 'name' | 'source' | 'fallback' | 'test'>, train: number, val: number): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `data ${dataset.name} (${dataset.source}): ${n(train)} training, ${n(val)} validation images`,
    ...(dataset.fallback ? [`data: ${dataset.fallback}`] : []),
    dataset.test
      ? `test set: ${n(dataset.test.count)} images (t10k files), measured once training ends`
      : `no test set (t10k files) in ${dataset.source}: accuracy is reported on the validation split`,
  ];
}

export function epochLine(r: EpochReport, epochs: number): string {
  return (
    `epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}  ` +
    `loss ${r.trainLoss.toFixed(4)}  train ${pct(r.trainAccuracy)}  ` +
    `val loss ${r.val.loss.toFixed(4)}  val ${pct(r.val.accuracy)}  ` +
    `${Math.round(r.samplesPerSecond).toLocaleString('en-US')} samples/s  ${r.seconds.toFixed(1)} s`
  );
}

/** counts[label][pred] */
export function confusionMatrix(preds: Uint32Array, labels: Uint8Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < preds.length; i++) m[labels[i]][preds[i]]++;
  return m;
}

export function formatConfusion(m: number[][]): string {
  const w = Math.max(5, ...m.flat().map((n) => String(n).length + 1));
  const head = 'true\\pred'.padEnd(10) + m.map((_, k) => String(k).padStart(w)).join('') + '   recall';
  const rows = m.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return String(k).padEnd(10) + row.map((n) => String(n).padStart(w)).join('') + `   ${total ? pct(row[k] / total) : '-'}`;
  });
  return [head, ...rows].join('\n');
}

/** The first mini-batch whose loss is not a finite number, or -1. */
export function firstNonFinite(stepLoss: Float32Array): number {
  return stepLoss.findIndex((v) => !Number.isFinite(v));
}

/** A number as people read it: at most 6 significant digits, so 810 × 810 shows as 656100, not 656100.0000000001. */
export const readable = (x: number) => String(Number(x.toPrecision(6)));

export function divergenceMessage(loss: number, step: number, epoch: number, lr: number): string {
  return `Training diverged: the loss became ${loss} at mini-batch ${step} of epoch ${epoch}. Try a smaller learning rate (now ${readable(lr)}).`;
}
