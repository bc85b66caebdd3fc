/** GPU vs CPU: the same run on both, side by side, and how much faster the GPU trains. */
import type { EpochSummary, RunState } from '../shared/worker-protocol.ts';

type Side = 'gpu' | 'cpu';

interface SideStats {
  description: string;
  state: RunState | 'starting';
  epochs: number;
  last: EpochSummary | null;
}

const fresh = (description: string): SideStats => ({ description, state: 'starting', epochs: 0, last: null });

export class CompareView {
  private sides: Record<Side, SideStats> = { gpu: fresh('GPU'), cpu: fresh('CPU reference') };
  private total = 0;

  constructor(private readonly container: HTMLElement) {}

  reset(totalEpochs: number): void {
    this.total = totalEpochs;
    this.sides = { gpu: fresh('GPU'), cpu: fresh('CPU reference') };
    this.render();
  }

  started(side: Side, description: string): void {
    this.sides[side].description = description;
    this.render();
  }

  state(side: Side, state: RunState): void {
    this.sides[side].state = state;
    this.render();
  }

  epoch(side: Side, summary: EpochSummary): void {
    Object.assign(this.sides[side], { epochs: summary.epoch, last: summary });
    this.render();
  }

  /** GPU samples/s over CPU samples/s, each from its latest epoch; null until both have one. */
  speedup(): number | null {
    const g = this.sides.gpu.last;
    const c = this.sides.cpu.last;
    return g && c ? g.samplesPerSecond / c.samplesPerSecond : null;
  }

  private render(): void {
    const rows: [string, (s: SideStats) => string][] = [
      ['runs on', (s) => s.description],
      ['state', (s) => s.state],
      ['epochs', (s) => `${s.epochs} / ${this.total}`],
      ['training samples/s', (s) => (s.last ? Math.round(s.last.samplesPerSecond).toLocaleString('en-US') : '…')],
      ['seconds / epoch, with validation', (s) => (s.last ? s.last.seconds.toFixed(2) : '…')],
      ['last mini-batch loss', (s) => (s.last ? s.last.stepLoss[s.last.stepLoss.length - 1].toFixed(4) : '…')],
      ['validation accuracy', (s) => (s.last ? `${(100 * s.last.valAccuracy).toFixed(2)}%` : '…')],
    ];
    const table = document.createElement('table');
    table.className = 'compare-table';
    const head = table.createTHead().insertRow();
    for (const text of ['', 'GPU', 'CPU reference']) head.appendChild(document.createElement('th')).textContent = text;
    const body = table.createTBody();
    for (const [name, value] of rows) {
      const tr = body.insertRow();
      tr.appendChild(document.createElement('th')).textContent = name;
      tr.insertCell().textContent = value(this.sides.gpu);
      tr.insertCell().textContent = value(this.sides.cpu);
    }
    const speedup = this.speedup();
    const verdict = document.createElement('p');
    verdict.className = 'speedup';
    if (speedup === null) {
      verdict.textContent = 'Speed-up: after both have finished an epoch.';
    } else {
      verdict.dataset.speedup = speedup.toFixed(3);
      verdict.textContent =
        speedup >= 1
          ? `The GPU trains ${speedup.toFixed(1)}× faster than the CPU reference (samples/s, latest epoch of each).`
          : `The GPU trains ${(1 / speedup).toFixed(1)}× slower than the CPU reference here: a software adapter, or a very small network.`;
    }
    this.container.replaceChildren(verdict, table);
  }
}
