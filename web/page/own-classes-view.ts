/**
 * The "Your own classes" card: the user names classes (add, rename, remove), draws examples
 * of the chosen one on the drawing pad and adds each (a counter per class; undo takes back
 * the last example added), then trains the small CNN of web/shared/own-classes.ts on them
 * in the worker, or exports them as an image folder. The drawings are kept here, as the
 * pad prepared them (28×28, centred), and sent to the worker when training starts.
 */
import { classNameProblem, countPerClass, MAX_OWN_CLASSES, ownClassSplits, trainingProblem, type OwnExample } from '../shared/own-classes.ts';

export interface OwnClassesElements {
  newClass: HTMLFormElement;
  list: HTMLElement;
  addExample: HTMLButtonElement;
  undo: HTMLButtonElement;
  epochs: HTMLInputElement;
  train: HTMLButtonElement;
  exportButton: HTMLButtonElement;
  status: HTMLElement;
}

export interface OwnClassesHooks {
  /** The digit on the pad (28×28 bytes), or null when it is empty. */
  drawing(): Uint8Array | null;
  /** An example was taken from the pad: clear it for the next one. */
  added(): void;
  train(classNames: string[], examples: OwnExample[], epochs: number): void;
  exportDrawings(classNames: string[], examples: OwnExample[]): void;
}

export class OwnClassesView {
  private names: string[] = [];
  private examples: OwnExample[] = [];
  private selected = 0;
  /** Whether training may start now (no run going, the worker ready). */
  private canTrain = false;

  constructor(private readonly el: OwnClassesElements, private readonly hooks: OwnClassesHooks) {
    el.newClass.addEventListener('submit', (e) => {
      e.preventDefault();
      this.addClass();
    });
    el.addExample.addEventListener('click', () => this.addExample());
    el.undo.addEventListener('click', () => this.undo());
    el.train.addEventListener('click', () => this.startTraining());
    el.exportButton.addEventListener('click', () => hooks.exportDrawings([...this.names], [...this.examples]));
    this.render();
  }

  /** The page says whether a run may start (none going, the worker ready). */
  setCanTrain(can: boolean): void {
    this.canTrain = can;
    this.refreshButtons();
  }

  /** The pad changed: "Add" needs a drawing. */
  drawingChanged(): void {
    this.refreshButtons();
  }

  private say(text: string, error = false): void {
    this.el.status.textContent = text;
    this.el.status.classList.toggle('error', error);
  }

  private addClass(): void {
    const input = this.el.newClass.elements.namedItem('class-name') as HTMLInputElement;
    if (this.names.length >= MAX_OWN_CLASSES) return this.say(`At most ${MAX_OWN_CLASSES} classes.`, true);
    const problem = classNameProblem(input.value, this.names);
    if (problem) return this.say(problem, true);
    this.names.push(input.value.trim());
    this.selected = this.names.length - 1;
    input.value = '';
    this.say(`Added "${this.names[this.selected]}": draw an example of it on the pad, then press "Add the drawing".`);
    this.render();
  }

  private rename(k: number, input: HTMLInputElement): void {
    const problem = classNameProblem(input.value, this.names.filter((_, j) => j !== k));
    if (problem) {
      this.say(problem, true);
      input.value = this.names[k];
      return;
    }
    this.names[k] = input.value.trim();
    input.value = this.names[k];
    this.say(`Renamed class ${k + 1} to "${this.names[k]}".`);
    this.render();
  }

  private removeClass(k: number): void {
    const [name] = this.names.splice(k, 1);
    const dropped = this.examples.filter((e) => e.label === k).length;
    // The later classes move up one place, and their examples' labels with them.
    this.examples = this.examples.filter((e) => e.label !== k).map((e) => (e.label > k ? { ...e, label: e.label - 1 } : e));
    this.selected = Math.min(this.selected, Math.max(0, this.names.length - 1));
    this.say(`Removed "${name}" and its ${dropped} example${dropped === 1 ? '' : 's'}.`);
    this.render();
  }

  private addExample(): void {
    const pixels = this.hooks.drawing();
    if (!pixels || this.names.length === 0) return;
    this.examples.push({ label: this.selected, pixels });
    const n = countPerClass(this.names.length, this.examples)[this.selected];
    this.say(`Example ${n} of "${this.names[this.selected]}" added.`);
    this.hooks.added();
    this.render();
  }

  private undo(): void {
    const last = this.examples.pop();
    if (!last) return;
    this.say(`Took back the last example of "${this.names[last.label]}".`);
    this.render();
  }

  private startTraining(): void {
    const problem = trainingProblem(this.names, this.examples);
    if (problem) return this.say(problem, true);
    const epochs = Number(this.el.epochs.value);
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) return this.say('Epochs must be a whole number from 1 to 1000.', true);
    const { train, heldOut } = ownClassSplits(this.names.length, this.examples);
    const validation = heldOut > 0
      ? `${heldOut} held out for validation (every fifth of each class)`
      : 'validation on the training drawings themselves (fewer than five of every class, so none is held out: it shows how well the network fits them, not how it does on new ones)';
    this.say(`Training on ${train.count} drawings, ${validation}.`);
    this.hooks.train([...this.names], [...this.examples], epochs);
  }

  private refreshButtons(): void {
    const { el } = this;
    el.addExample.disabled = this.names.length === 0 || this.hooks.drawing() === null;
    el.addExample.textContent = this.names.length > 0 ? `Add the drawing to "${this.names[this.selected]}"` : 'Add the drawing';
    el.undo.disabled = this.examples.length === 0;
    // Enabled whenever a run may start: a press with too few classes or drawings says what is missing.
    el.train.disabled = !this.canTrain;
    el.exportButton.disabled = this.examples.length === 0;
  }

  private render(): void {
    const counts = countPerClass(this.names.length, this.examples);
    this.el.list.replaceChildren(
      ...this.names.map((name, k) => {
        const item = document.createElement('li');
        item.className = 'own-class';
        item.dataset.class = name;
        item.dataset.count = String(counts[k]);
        const choose = Object.assign(document.createElement('input'), { type: 'radio', name: 'own-class', checked: k === this.selected });
        choose.setAttribute('aria-label', `Add drawings to class ${k + 1}`);
        choose.addEventListener('change', () => {
          this.selected = k;
          this.refreshButtons();
        });
        const nameInput = Object.assign(document.createElement('input'), { type: 'text', value: name, className: 'class-name', spellcheck: false });
        nameInput.setAttribute('aria-label', `Name of class ${k + 1}`);
        nameInput.addEventListener('change', () => this.rename(k, nameInput));
        const count = Object.assign(document.createElement('span'), {
          className: 'class-count', textContent: `${counts[k]} example${counts[k] === 1 ? '' : 's'}`,
        });
        const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Remove', className: 'remove-class' });
        remove.setAttribute('aria-label', `Remove class ${name}`);
        remove.addEventListener('click', () => this.removeClass(k));
        item.append(choose, nameInput, count, remove);
        return item;
      }),
    );
    this.refreshButtons();
  }
}
