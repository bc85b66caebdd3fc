/** Formatting results for people: the run's header, epoch lines, summaries, confusion matrices. */
import { className, type Dataset } from '../data/dataset.ts';
import type { EpochReport } from '../train/trainer.ts';
import { percentText, type TimeToAccuracy } from '../train/time-to-accuracy.ts';

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Which data a run uses, said where it is read: the folder, any fallback, the classes' names, the test set or its absence. */
export function dataLines(dataset: Pick<Dataset, 'name' | 'source' | 'fallback' | 'test' | 'classNames' | 'testFiles'>, train: number, val: number): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const names = dataset.classNames;
  const testFiles = dataset.testFiles ?? 't10k files';
  return [
    `data ${dataset.name} (${dataset.source}): ${n(train)} training, ${n(val)} validation images`,
    ...(dataset.fallback ? [`data: ${dataset.fallback}`] : []),
    ...(names ? [`classes: ${names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`}`] : []),
    dataset.test
      ? `test set: ${n(dataset.test.count)} images (${testFiles}), measured once training ends`
      : `no test set (${testFiles}) in ${dataset.source}: accuracy is reported on the validation split`,
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

/**
 * The last lines' time to accuracy: `time to 98%: 12.3 s (epoch 2); 99%: not reached`. Times
 * are training wall time from the first mini-batch, validation excluded.
 */
export function timeToAccuracyLine(times: TimeToAccuracy[]): string {
  const parts = times.map((t, i) => {
    const what = `${i === 0 ? 'time to ' : ''}${percentText(t.threshold)}`;
    if (t.epoch === null) return `${what}: not reached`;
    return t.seconds === null ? `${what}: epoch ${t.epoch}, time unknown` : `${what}: ${t.seconds.toFixed(1)} s (epoch ${t.epoch})`;
  });
  return `${parts.join('; ')} (training time from the first mini-batch, validation excluded)`;
}

/** The summary line's times: seconds by threshold (`"0.99": 12.3`), null when not reached or unknown; the epochs likewise. */
export function timeToAccuracyJson(times: TimeToAccuracy[]): { timeToAccuracy: Record<string, number | null>; epochToAccuracy: Record<string, number | null> } {
  return {
    timeToAccuracy: Object.fromEntries(times.map((t) => [String(t.threshold), t.seconds])),
    epochToAccuracy: Object.fromEntries(times.map((t) => [String(t.threshold), t.epoch])),
  };
}

/** Longest class name a confusion matrix's column heads show (rows show them whole). */
const HEAD_CHARS = 8;

/** Rows the true class, columns the predicted one, each named (`names`, else the digits). */
export function formatConfusion(m: number[][], names?: readonly string[]): string {
  const label = (k: number) => className(names, k);
  const w = Math.max(5, ...m.flat().map((n) => String(n).length + 1), ...m.map((_, k) => Math.min(HEAD_CHARS, label(k).length) + 1));
  const first = Math.max(10, ...m.map((_, k) => label(k).length + 2));
  const head = 'true\\pred'.padEnd(first) + m.map((_, k) => label(k).slice(0, HEAD_CHARS).padStart(w)).join('') + '   recall';
  const rows = m.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return label(k).padEnd(first) + row.map((n) => String(n).padStart(w)).join('') + `   ${total ? pct(row[k] / total) : '-'}`;
  });
  return [head, ...rows].join('\n');
}
