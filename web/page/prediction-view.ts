/** The network's verdict on the drawing: one bar per class (digits, or the user's own class names) and the winner in words. */
import type { ClassOutputs } from '../shared/worker-protocol.ts';

/** The digits 0 … classes − 1, the labels of a model without class names. */
export const digitLabels = (classes: number) => Array.from({ length: classes }, (_, k) => String(k));

export class PredictionView {
  private bars: { fill: HTMLElement; value: HTMLElement; row: HTMLElement }[] = [];
  private labels: string[] = [];
  /** Whether the labels are names the user gave (said in quotes) rather than digits. */
  private named = false;

  constructor(private readonly text: HTMLElement, private readonly container: HTMLElement) {
    this.setClasses(digitLabels(10), false);
  }

  /** One bar per class, labelled: digits for MNIST models, the user's names for their own classes. */
  setClasses(labels: string[], named: boolean): void {
    if (named === this.named && labels.join('\n') === this.labels.join('\n')) return;
    this.labels = labels;
    this.named = named;
    this.bars = labels.map((name, k) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      row.dataset.digit = String(k);
      row.dataset.label = name;
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = name;
      label.title = name;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      row.append(label, track, value);
      return { fill, value, row };
    });
    this.container.replaceChildren(...this.bars.map((b) => b.row));
    this.container.classList.toggle('named', named);
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
    const what = this.named ? `“${this.labels[best]}”` : `a ${this.labels[best]}`;
    this.text.textContent = `It's ${what} (${how}, ${note}).`;
    this.text.dataset.digit = String(best);
    this.text.dataset.label = this.labels[best];
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
    delete this.text.dataset.label;
  }
}
