/** The network's verdict on the drawing: one bar per class and the winner in words. */
import type { ClassOutputs } from '../shared/worker-protocol.ts';

export class PredictionView {
  private readonly bars: { fill: HTMLElement; value: HTMLElement; row: HTMLElement }[] = [];

  constructor(private readonly text: HTMLElement, container: HTMLElement, classes = 10) {
    for (let k = 0; k < classes; k++) {
      const row = document.createElement('div');
      row.className = 'bar-row';
      row.dataset.digit = String(k);
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = String(k);
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      row.append(label, track, value);
      container.append(row);
      this.bars.push({ fill, value, row });
    }
  }

  /** `note` says which model answered (e.g. "after 3 epochs"). */
  show(outputs: ClassOutputs, note: string): void {
    const values = [...outputs.values];
    const best = values.indexOf(Math.max(...values));
    this.bars.forEach((b, k) => {
      const v = values[k];
      b.fill.style.transform = `scaleX(${Math.max(0, Math.min(1, v))})`;
      b.value.textContent = outputs.kind === 'probability' ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);
      b.row.classList.toggle('best', k === best);
      b.row.dataset.value = String(v);
    });
    const how = outputs.kind === 'probability' ? `${(100 * values[best]).toFixed(1)}% probability` : `output ${values[best].toFixed(3)}`;
    this.text.textContent = `It's a ${best} (${how}, ${note}).`;
    this.text.dataset.digit = String(best);
  }

  clear(message: string): void {
    for (const b of this.bars) {
      b.fill.style.transform = 'scaleX(0)';
      b.value.textContent = '';
      b.row.classList.remove('best');
      delete b.row.dataset.value;
    }
    this.text.textContent = message;
    delete this.text.dataset.digit;
  }
}
