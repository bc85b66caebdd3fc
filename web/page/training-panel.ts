/**
 * The "Training" card's text: run status (a live region: state changes only), progress bar
 * and the current mini-batch (not announced), first and latest mini-batch loss, one table row
 * per epoch.
 */
import type { EpochSummary, RunState } from '../shared/worker-protocol.ts';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export class TrainingPanel {
  private epochs = 0;
  private firstLoss: number | null = null;
  private description = '';

  constructor(
    private readonly status: HTMLElement,
    private readonly bar: HTMLProgressElement,
    private readonly step: HTMLElement,
    private readonly lossSummary: HTMLElement,
    private readonly table: HTMLTableSectionElement,
  ) {}

  reset(epochs: number): void {
    this.epochs = epochs;
    this.firstLoss = null;
    this.description = '';
    this.table.replaceChildren();
    this.lossSummary.textContent = '';
    this.setProgress(0, '');
    this.show('running', 'Starting: uploading the data and building the kernels …');
  }

  started(description: string, train: number, val: number): void {
    this.description = `${description}; ${train.toLocaleString('en-US')} training and ${val.toLocaleString('en-US')} validation images`;
    this.show('running', `Training on ${this.description}.`);
  }

  progress(epoch: number, step: number, steps: number): void {
    this.setProgress((epoch - 1 + step / Math.max(1, steps)) / this.epochs, `Epoch ${epoch} of ${this.epochs}: mini-batch ${step} of ${steps}.`);
  }

  /** A model loaded from a file replaces the run on display. */
  loaded(text: string): void {
    this.reset(1);
    this.show('idle', text);
  }

  private setProgress(fraction: number, text: string): void {
    this.bar.value = fraction;
    this.bar.setAttribute('aria-valuetext', text || `${Math.round(100 * fraction)}%`);
    this.step.textContent = text;
  }

  epoch(s: EpochSummary): void {
    this.firstLoss ??= s.stepLoss[0];
    const latest = s.stepLoss[s.stepLoss.length - 1];
    this.lossSummary.textContent =
      `Mini-batch loss ${this.firstLoss.toFixed(4)} at the start → ${latest.toFixed(4)} now ` +
      `(epoch ${s.epoch}, ${s.steps} mini-batches of ${s.samples / s.steps} per epoch, η ${+s.lr.toPrecision(4)}).`;
    this.lossSummary.dataset.first = String(this.firstLoss);
    this.lossSummary.dataset.latest = String(latest);
    const tr = this.table.insertRow();
    for (const text of [
      `${s.epoch}/${s.epochs}`, s.trainLoss.toFixed(4), pct(s.trainAccuracy), s.valLoss.toFixed(4), pct(s.valAccuracy),
      Math.round(s.samplesPerSecond).toLocaleString('en-US'), (s.samples / s.samplesPerSecond).toFixed(2), s.seconds.toFixed(2),
    ]) {
      tr.insertCell().textContent = text;
    }
    tr.dataset.trainLoss = String(s.trainLoss);
    tr.dataset.valAccuracy = String(s.valAccuracy);
  }

  state(state: RunState): void {
    if (state === 'done') this.setProgress(1, '');
    const trained = this.table.rows.length;
    const epochs = `${trained} epoch${trained === 1 ? '' : 's'}`;
    const text: Record<RunState, string> = {
      running: `Training on ${this.description}.`,
      pausing: 'Pausing when this epoch ends (an epoch runs on the GPU as a whole) …',
      paused: `Paused after ${epochs}. Resume to go on.`,
      stopping: 'Stopping when this epoch ends …',
      done: `Done: ${epochs} trained on ${this.description}.`,
      stopped: `Stopped after ${epochs}.`,
      failed: 'Failed.',
    };
    this.show(state, text[state]);
  }

  fail(message: string): void {
    this.show('failed', message);
  }

  private show(state: RunState | 'idle', text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
    this.status.classList.toggle('error', state === 'failed');
  }
}
