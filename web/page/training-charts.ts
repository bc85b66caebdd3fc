/**
 * Live charts (uPlot): the loss of every mini-batch, validation accuracy and throughput per
 * epoch, for the main run and, when racing, the CPU reference. The loss chart also shows the
 * learning rate of every mini-batch (src/train/schedule.ts), the whole run's from the start,
 * on a linear axis of its own at the right. Charts are rebuilt at the start of each run
 * (they know its length and schedule then) and fed once per epoch.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisSize, compactLabel, linearLabels } from './axis-labels.ts';
import type { EpochSummary } from '../shared/worker-protocol.ts';

export type RunKey = 'main' | 'compare';

export const RUN_COLORS = { gpu: '#2563eb', cpu: '#d9480f' } as const;

/** The learning rate's line: grey, thin and dotted under the losses. */
const RATE_COLOR = '#475569';

interface Series {
  label: string;
  color: string;
  stepLoss: number[];
  accuracy: number[];
  speed: number[];
}

const AXIS_FONT = '12px system-ui, sans-serif';
const LABEL_FONT = 'bold 12px system-ui, sans-serif';

function axis(label: string, values?: uPlot.Axis['values']): uPlot.Axis {
  return { label, font: AXIS_FONT, labelFont: LABEL_FONT, labelSize: 18, size: (_u, labels) => axisSize(labels), values, stroke: '#334155', grid: { stroke: '#e2e8f0' } };
}

/** A mini-batch loss of exactly 0 has no place on a log axis: the axis stops here. */
const LOWEST_LOSS = 1e-6;

/**
 * The loss axis's range: uPlot's own for log scales (uPlot.rangeLog), whose ends are whole
 * multiples of a power of ten that its tick generator can step from. A padded [min·0.9, max·1.1]
 * sent that generator into an endless loop whenever min·0.9 fell just under a power of ten
 * (losses of 0.106–0.111, 0.0106–0.0111 …), freezing the tab.
 */
function lossRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [null, null];
  return uPlot.rangeLog(Math.max(min, LOWEST_LOSS), Math.max(max, LOWEST_LOSS), 10, false);
}

/**
 * What a chart last drew, on its container, for tests and curious readers: data-points (the
 * main run's values drawn), data-y-min and data-y-max; the loss chart with a schedule adds
 * data-rates (mini-batches with a rate) and data-rate-max.
 */
function describeDrawn(el: HTMLElement, u: uPlot): void {
  el.dataset.points = String(Array.from((u.data[1] ?? []) as ArrayLike<number | null | undefined>).filter((v) => v != null).length);
  el.dataset.yMin = String(u.scales.y.min);
  el.dataset.yMax = String(u.scales.y.max);
  const rate = u.series.findIndex((s) => s.scale === 'lr');
  if (rate > 0) {
    const rates = (u.data[rate] as (number | null)[]).filter((v): v is number => v !== null);
    el.dataset.rates = String(rates.length);
    el.dataset.rateMax = String(Math.max(...rates));
  }
}

export class TrainingCharts {
  private plots: uPlot[] = [];
  private runs = new Map<RunKey, Series>();
  private stepsPerEpoch = 1;
  private epochs = 1;
  /** The learning rate of every mini-batch of the run, in order; empty: none shown. */
  private rates: number[] = [];

  constructor(private readonly loss: HTMLElement, private readonly accuracy: HTMLElement, private readonly speed: HTMLElement) {
    const observer = new ResizeObserver(() => this.resize());
    for (const el of [loss, accuracy, speed]) observer.observe(el);
    this.reset(1, 1, [['main', { label: 'GPU', color: RUN_COLORS.gpu }]]);
  }

  /** A new run: `runs` names and colours its series (main first); `rates`, its mini-batches' learning rates. */
  reset(stepsPerEpoch: number, epochs: number, runs: [RunKey, { label: string; color: string }][], rates: ArrayLike<number> = []): void {
    this.stepsPerEpoch = stepsPerEpoch;
    this.epochs = epochs;
    this.rates = Array.from(rates);
    this.runs = new Map(runs.map(([key, r]) => [key, { ...r, stepLoss: [], accuracy: [], speed: [] }]));
    this.build();
  }

  addEpoch(key: RunKey, s: EpochSummary): void {
    const run = this.runs.get(key);
    if (!run) return;
    run.stepLoss.push(...s.stepLoss);
    run.accuracy.push(100 * s.valAccuracy);
    run.speed.push(s.samplesPerSecond);
    this.update();
  }

  /** The main run solid, the CPU reference dashed on top: where they agree, both stay visible. */
  private series(): uPlot.Series[] {
    return [
      { label: 'epoch' },
      ...[...this.runs.entries()].map(([key, r]) => ({
        label: r.label, stroke: r.color, width: key === 'main' ? 2.5 : 1.5, dash: key === 'main' ? undefined : [6, 4], points: { show: false },
      })),
    ];
  }

  private build(): void {
    this.plots.forEach((p) => p.destroy());
    const racing = this.runs.size > 1;
    const epochAxis = axis('epoch', (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')));
    const withPoints = (s: uPlot.Series[]) => s.map((x, i) => (i === 0 ? x : { ...x, points: { show: true, size: 6 } }));
    const make = (el: HTMLElement, height: number, opts: Omit<uPlot.Options, 'width' | 'height'>) =>
      new uPlot({ ...opts, width: this.width(el), height, legend: { show: racing, live: false }, hooks: { draw: [(u) => describeDrawn(el, u)] } }, [[]], el);
    const rate = this.rates.length > 0;
    const rateAxis: uPlot.Axis = { ...axis('learning rate η', (_u, ticks) => ticks.map(compactLabel)), scale: 'lr', side: 1, grid: { show: false } };
    const rateSeries: uPlot.Series = { label: 'η', scale: 'lr', stroke: RATE_COLOR, width: 1.5, dash: [2, 3], points: { show: false } };
    this.plots = [
      make(this.loss, 220, {
        scales: { x: { time: false, range: [0, this.epochs] }, y: { distr: 3, range: lossRange }, ...(rate ? { lr: { range: (_u, _min, max) => [0, max * 1.05] } } : {}) },
        axes: [epochAxis, axis('loss', (_u, ticks) => ticks.map(compactLabel)), ...(rate ? [rateAxis] : [])],
        series: [...this.series(), ...(rate ? [rateSeries] : [])],
      }),
      make(this.accuracy, 180, {
        scales: { x: { time: false, range: [0.8, Math.max(this.epochs, 1) + 0.2] } },
        axes: [epochAxis, axis('%', (_u, ticks, _axis, _space, increment) => linearLabels(ticks, increment))],
        series: withPoints(this.series()),
      }),
      make(this.speed, 180, {
        scales: { x: { time: false, range: [0.8, Math.max(this.epochs, 1) + 0.2] }, y: racing ? { distr: 3 } : {} },
        axes: [epochAxis, axis('samples/s', (_u, ticks, _axis, _space, increment) => (racing ? ticks.map(compactLabel) : linearLabels(ticks, increment)))],
        series: withPoints(this.series()),
      }),
    ];
    this.update();
  }

  private update(): void {
    const runs = [...this.runs.values()];
    const steps = Math.max(this.rates.length, ...runs.map((r) => r.stepLoss.length));
    const epochs = Math.max(0, ...runs.map((r) => r.accuracy.length));
    const pad = (v: number[], n: number) => Array.from({ length: n }, (_, i) => v[i] ?? null);
    const stepX = Array.from({ length: steps }, (_, i) => (i + 1) / this.stepsPerEpoch);
    const epochX = Array.from({ length: epochs }, (_, i) => i + 1);
    const [loss, accuracy, speed] = this.plots;
    const rate = this.rates.length ? [pad(this.rates, steps)] : [];
    loss.setData([stepX, ...runs.map((r) => pad(r.stepLoss, steps)), ...rate] as uPlot.AlignedData);
    accuracy.setData([epochX, ...runs.map((r) => pad(r.accuracy, epochs))] as uPlot.AlignedData);
    speed.setData([epochX, ...runs.map((r) => pad(r.speed, epochs))] as uPlot.AlignedData);
  }

  private width(el: HTMLElement): number {
    return Math.max(200, el.clientWidth);
  }

  private resize(): void {
    const els = [this.loss, this.accuracy, this.speed];
    this.plots.forEach((p, i) => p.setSize({ width: this.width(els[i]), height: p.height }));
  }
}
