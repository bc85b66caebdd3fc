/**
 * The "Network and training" form: presets fill it, URL parameters of the same names
 * (?preset=lenet5&arch=1x28x28-conv4k5p2-pool2-32-10&optimizer=adamw&wd=0.05&schedule=onecycle&epochs=2&limit=500 …)
 * override it, and it reads back as a RunSetup. The architecture field takes the CLI's
 * --arch syntax (parseNetwork), and says what is wrong with it as you type.
 */
import { architectureText, parseNetwork } from '../../src/model/arch.ts';
import { ACTIVATIONS, INITS, LOSSES, type Activation, type Init, type Loss } from '../../src/model/spec.ts';
import {
  AFFINE_DEFAULTS, ELASTIC_DEFAULTS, OPTIMIZERS, optimizerOf, PRESETS, scheduleOf, SCHEDULES, type AugmentConfig, type OptimizerName, type PresetName,
  type ScheduleName, type TrainConfig,
} from '../../src/train/config.ts';
import { DEFAULT_VALIDATION, defaultValidation, type SplitChoice } from '../../src/train/split.ts';
import type { Device, RunSetup } from '../shared/worker-protocol.ts';

const FIELDS = [
  'preset', 'arch', 'activation', 'loss', 'output', 'init', 'lr', 'schedule', 'decay', 'warmup', 'optimizer', 'momentum', 'wd', 'batch', 'epochs', 'l2',
  'dropout', 'seed', 'augment', 'rotate', 'scale', 'shear', 'shift', 'sigma', 'alpha', 'validation', 'limit', 'device', 'compare',
] as const;
type Field = (typeof FIELDS)[number];

/** The augmentation fields and what they set (the CLI's --augment, --rotate … --elastic-alpha). */
const AUGMENT_KINDS = [['none', 'none'], ['affine', 'affine'], ['elastic', 'elastic'], ['affine,elastic', 'affine + elastic']] as const;
const AFFINE_FIELDS = ['rotate', 'scale', 'shear', 'shift'] as const;
const ELASTIC_FIELDS = ['sigma', 'alpha'] as const;
/** Fields that change what "What the network trains on" shows. */
const AUGMENT_PREVIEW_FIELDS: readonly Field[] = ['augment', ...AFFINE_FIELDS, ...ELASTIC_FIELDS, 'seed', 'validation', 'limit'];

export class TrainForm {
  private gpuAvailable = true;
  /** Training images in the loaded data set, once known. */
  private total: number | null = null;

  constructor(private readonly form: HTMLFormElement) {
    this.fillSelect('preset', Object.keys(PRESETS));
    this.fillSelect('activation', ACTIVATIONS);
    this.fillSelect('loss', LOSSES);
    this.fillSelect('output', ACTIVATIONS);
    this.fillSelect('init', INITS);
    this.fillSelect('optimizer', OPTIMIZERS);
    this.fillSelect('schedule', SCHEDULES);
    (this.form.elements.namedItem('augment') as HTMLSelectElement).replaceChildren(...AUGMENT_KINDS.map(([v, text]) => new Option(text, v)));
    this.input('augment').addEventListener('change', () => this.updateDependentFields());
    this.applyPreset('lecun');
    this.input('validation').value = String(DEFAULT_VALIDATION);
    this.input('preset').addEventListener('change', () => this.applyPreset(this.input('preset').value as PresetName));
    this.input('loss').addEventListener('change', () => this.updateDependentFields());
    this.input('optimizer').addEventListener('change', () => {
      // Momentum 0 is plain SGD: choosing the momentum optimiser starts from the usual μ.
      if (this.input('optimizer').value === 'momentum' && Number(this.input('momentum').value) === 0) this.input('momentum').value = '0.9';
      // AdamW decays weights itself and takes no L2 (validateConfig refuses both).
      if (this.input('optimizer').value === 'adamw') this.input('l2').value = '0';
      this.updateDependentFields();
    });
    this.input('schedule').addEventListener('change', () => {
      // Only the step schedule decays per epoch; onecycle warms up by itself.
      if (this.input('schedule').value !== 'step') this.input('decay').value = '1';
      if (this.input('schedule').value === 'onecycle') this.input('warmup').value = '0';
      this.updateDependentFields();
    });
    this.input('arch').addEventListener('input', () => this.checkArchitecture());
    this.input('validation').addEventListener('input', () => this.updateLimitHint());
  }

  private input(name: Field): HTMLInputElement {
    return this.form.elements.namedItem(name) as HTMLInputElement;
  }

  private fillSelect(name: Field, values: readonly string[]): void {
    const select = this.form.elements.namedItem(name) as HTMLSelectElement;
    select.replaceChildren(...values.map((v) => new Option(v, v)));
  }

  /** Fields that only make sense with some other choices. */
  private updateDependentFields(): void {
    this.input('output').disabled = this.input('loss').value === 'cross-entropy';
    this.input('momentum').disabled = this.input('optimizer').value !== 'momentum';
    this.input('wd').disabled = this.input('optimizer').value !== 'adamw';
    this.input('decay').disabled = this.input('schedule').value !== 'step';
    this.input('warmup').disabled = this.input('schedule').value === 'onecycle';
    this.input('compare').disabled = !this.gpuAvailable;
    const kinds = this.input('augment').value.split(',');
    for (const f of AFFINE_FIELDS) this.input(f).disabled = !kinds.includes('affine');
    for (const f of ELASTIC_FIELDS) this.input(f).disabled = !kinds.includes('elastic');
  }

  /** The augmentation the form asks for (absent: none), or null while one of its fields is invalid. */
  augment(): AugmentConfig | undefined | null {
    const kinds = this.input('augment').value.split(',');
    const fields = [...(kinds.includes('affine') ? AFFINE_FIELDS : []), ...(kinds.includes('elastic') ? ELASTIC_FIELDS : [])];
    if (fields.some((f) => !this.input(f).checkValidity())) return null;
    const num = (f: Field) => Number(this.input(f).value);
    const out: AugmentConfig = {};
    if (kinds.includes('affine')) out.affine = { rotate: num('rotate'), scale: num('scale'), shear: num('shear'), shift: num('shift') };
    if (kinds.includes('elastic')) out.elastic = { sigma: num('sigma'), alpha: num('alpha') };
    return out.affine || out.elastic ? out : undefined;
  }

  /** The seed field's value (augmentation draws from it). */
  seed(): number {
    return Number(this.input('seed').value);
  }

  /** Calls `listener` when a field that changes the augmentation preview changes. */
  onAugmentChange(listener: () => void): void {
    for (const f of AUGMENT_PREVIEW_FIELDS) this.input(f).addEventListener('input', listener);
    this.input('augment').addEventListener('change', listener);
  }

  /** parseNetwork's verdict on the architecture field: its message (naming the bad token) shown under it, and the field invalid. */
  private checkArchitecture(): ReturnType<typeof parseNetwork> | null {
    const arch = this.input('arch');
    const message = this.form.ownerDocument.getElementById('arch-error');
    let parsed: ReturnType<typeof parseNetwork> | null = null;
    let error = '';
    try {
      parsed = parseNetwork(arch.value);
    } catch (e) {
      error = (e as Error).message;
    }
    arch.setCustomValidity(error);
    arch.setAttribute('aria-invalid', String(error !== ''));
    if (message) {
      message.textContent = error;
      message.hidden = error === '';
    }
    return parsed;
  }

  applyPreset(name: PresetName): void {
    const p = PRESETS[name];
    const values: Partial<Record<Field, string>> = {
      preset: name, arch: architectureText(p.model), activation: p.model.activation, loss: p.model.loss, output: p.model.outputActivation,
      init: p.model.init, lr: String(p.lr), schedule: scheduleOf(p), decay: String(p.lrDecay), warmup: String(p.warmup ?? 0),
      optimizer: optimizerOf(p), momentum: String(p.momentum), wd: String(p.weightDecay ?? 0.01), batch: String(p.batch), epochs: String(p.epochs), l2: String(p.l2), dropout: String(p.dropout ?? 0), seed: String(p.seed),
      augment: [p.augment?.affine && 'affine', p.augment?.elastic && 'elastic'].filter(Boolean).join(',') || 'none',
      rotate: String((p.augment?.affine ?? AFFINE_DEFAULTS).rotate), scale: String((p.augment?.affine ?? AFFINE_DEFAULTS).scale),
      shear: String((p.augment?.affine ?? AFFINE_DEFAULTS).shear), shift: String((p.augment?.affine ?? AFFINE_DEFAULTS).shift),
      sigma: String((p.augment?.elastic ?? ELASTIC_DEFAULTS).sigma), alpha: String((p.augment?.elastic ?? ELASTIC_DEFAULTS).alpha),
    };
    for (const [field, value] of Object.entries(values)) this.input(field as Field).value = value;
    this.updateDependentFields();
    this.checkArchitecture();
  }

  /** URL parameters named like the fields; a preset parameter applies first. */
  applyUrl(params: URLSearchParams): void {
    const preset = params.get('preset');
    if (preset && preset in PRESETS) this.applyPreset(preset as PresetName);
    for (const field of FIELDS) {
      const value = params.get(field);
      if (value === null || field === 'preset') continue;
      const el = this.form.elements.namedItem(field);
      // A choice the list does not offer would leave it blank, and the run would take "" for it: keep the form's.
      if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === value)) continue;
      if (field === 'compare') this.input(field).checked = value !== '0' && value !== 'false';
      else this.input(field).value = value;
    }
    // Links from before the optimiser field: a momentum meant the momentum optimiser.
    if (params.get('optimizer') === null && Number(params.get('momentum')) > 0) this.input('optimizer').value = 'momentum';
    this.updateDependentFields();
    this.checkArchitecture();
  }

  /**
   * Fits the split fields to a data set of `total` training images: a set too small to
   * hold out the field's number keeps the default, one sixth for validation (defaultValidation:
   * MNIST's 10,000 of 60,000), and the training-images field says how many are left.
   */
  setAvailableImages(total: number): void {
    this.total = total;
    const validation = this.input('validation');
    if (!(Number(validation.value) < total)) validation.value = String(defaultValidation(total));
    validation.max = String(total - 1);
    this.updateLimitHint();
  }

  private updateLimitHint(): void {
    if (this.total === null) return;
    const left = this.total - Number(this.input('validation').value);
    this.input('limit').placeholder = left > 0 ? `all (${left.toLocaleString('en-US')})` : 'all';
    this.input('limit').max = String(Math.max(1, left));
  }

  /** Only the CPU reference is left without WebGPU. */
  disableGpu(): void {
    const device = this.form.elements.namedItem('device') as HTMLSelectElement;
    device.value = 'cpu';
    (device.querySelector('option[value="gpu"]') as HTMLOptionElement).disabled = true;
    this.input('compare').checked = false;
    this.gpuAvailable = false;
    this.updateDependentFields();
  }

  setEnabled(enabled: boolean): void {
    for (const el of this.form.elements) (el as HTMLInputElement).disabled = !enabled;
    if (enabled) this.updateDependentFields();
  }

  /** The run the form describes, or an error message saying which field to fix. */
  read(): { setup: RunSetup; compare: boolean } | { error: string } {
    const network = this.checkArchitecture();
    for (const el of this.form.elements) {
      const input = el as HTMLInputElement;
      if (input.willValidate && !input.checkValidity()) {
        const label = input.closest('label')?.firstChild?.textContent?.trim() ?? input.name;
        return { error: `${label}: ${input.validationMessage}` };
      }
    }
    if (!network) return { error: this.input('arch').validationMessage };
    const num = (f: Field) => Number(this.input(f).value);
    const optimizer = this.input('optimizer').value as OptimizerName;
    const schedule = this.input('schedule').value as ScheduleName;
    const config: TrainConfig = {
      ...PRESETS[this.input('preset').value as PresetName],
      model: {
        ...network,
        activation: this.input('activation').value as Activation,
        loss: this.input('loss').value as Loss,
        outputActivation: this.input('output').value as Activation,
        init: this.input('init').value as Init,
      },
      optimizer,
      lr: num('lr'), lrSchedule: schedule, lrDecay: schedule === 'step' ? num('decay') : 1, warmup: num('warmup'), momentum: num('momentum'),
      batch: num('batch'), epochs: num('epochs'), l2: num('l2'), dropout: num('dropout'), seed: num('seed'),
      ...(optimizer === 'adamw' ? { weightDecay: num('wd') } : {}),
    };
    const augment = this.augment();
    if (augment) config.augment = augment;
    else delete config.augment;
    const device = this.input('device').value as Device;
    return {
      setup: { config, device, ...this.splitChoice(), inspect: true },
      compare: device === 'gpu' && this.input('compare').checked,
    };
  }

  /** Which images validate (and train): also how a loaded model is evaluated. */
  splitChoice(): SplitChoice {
    const limit = this.input('limit').value.trim();
    return { validation: Number(this.input('validation').value), limit: limit === '' ? null : Number(limit) };
  }
}
