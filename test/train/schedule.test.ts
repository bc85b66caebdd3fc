/**
 * The learning-rate schedules and AdamW against PyTorch's own numbers (committed in
 * fixtures/torch-schedules.json by fixtures/torch-schedules.py, torch 1.13), and the
 * configuration checks that refuse what a schedule cannot do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../../src/cli/options.ts';
import { adamUpdate, adamwUpdate } from '../../src/cpu/update.ts';
import { denseNetwork } from '../../src/model/arch.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { ADAM_DEFAULTS, PRESETS, validateConfig, type TrainConfig } from '../../src/train/config.ts';
import { constantWithinEpochs, epochRates, learningRate } from '../../src/train/schedule.ts';
import { expectClose } from '../helpers/compare.ts';

interface ScheduleCase {
  config: Partial<TrainConfig>;
  steps: number;
  rates: number[];
}
interface OptimizerCase {
  kind: 'adam' | 'adamw';
  decay: number;
  lrs: number[];
  weights: number[];
  biases: number[];
  grads: number[][];
  afterWeights: number[];
  afterBiases: number[];
}
const torch = JSON.parse(readFileSync(new URL('./fixtures/torch-schedules.json', import.meta.url), 'utf8')) as {
  schedules: ScheduleCase[];
  optimizers: OptimizerCase[];
};

// torch's CosineAnnealingLR and OneCycleLR compute in float64, CosineAnnealingLR recursively
// (each rate from the last), which drifts from the closed form by a few ulps per step.
const RATE_TOL = { atol: 1e-15, rtol: 1e-9 };
// Five f32 Adam steps against torch's f32: the same formula, other rounding of its terms.
const ADAM_TOL = { atol: 1e-6, rtol: 1e-5 };

const lecun = PRESETS.lecun;
const configOf = (c: Partial<TrainConfig>): TrainConfig => ({ ...lecun, l2: 0, ...c });

describe('learningRate against torch.optim.lr_scheduler, one rate per mini-batch', () => {
  for (const c of torch.schedules) {
    const { lrSchedule = 'step', warmup = 0 } = c.config;
    it(`${lrSchedule}, ${c.config.epochs} epochs of ${c.steps}, warm-up ${warmup}, η ${c.config.lr}`, () => {
      const config = configOf(c.config);
      const ours = Array.from({ length: c.rates.length }, (_, t) => learningRate(config, 1 + Math.floor(t / c.steps), t % c.steps, c.steps));
      expectClose('rates', ours, c.rates, RATE_TOL);
      // epochRates is the same, an epoch at a time (what both trainers upload or use).
      const byEpoch = Array.from({ length: config.epochs }, (_, e) => Array.from(epochRates(config, e + 1, c.steps))).flat();
      expect(byEpoch).toEqual(ours);
    });
  }

  it('onecycle peaks at --lr after 30% of the run and ends 2.5e5 times lower', () => {
    const config = configOf({ lr: 0.01, lrDecay: 1, epochs: 5, lrSchedule: 'onecycle' });
    const rates = Array.from({ length: 50 }, (_, t) => learningRate(config, 1 + Math.floor(t / 10), t % 10, 10));
    expect(Math.max(...rates)).toBeCloseTo(0.01, 12);
    expect(rates.indexOf(Math.max(...rates))).toBe(14); // 0.3·50 − 1
    expect(rates[49]).toBeCloseTo(0.01 / 25 / 1e4, 15);
  });

  it('the step schedule without warm-up is today\'s lr·decay^(epoch − 1), and only it is constant within epochs', () => {
    expect(learningRate(lecun, 3, 17, 500)).toBe(0.3 * 0.9 ** 2);
    expect(constantWithinEpochs(lecun)).toBe(true);
    expect(constantWithinEpochs({ ...lecun, warmup: 10 })).toBe(false);
    expect(constantWithinEpochs({ ...lecun, lrDecay: 1, lrSchedule: 'cosine' })).toBe(false);
  });
});

describe('Adam and AdamW (src/cpu/update.ts) against torch.optim, five steps at changing rates', () => {
  for (const o of torch.optimizers) {
    it(`${o.kind}: weights decayed, biases not`, () => {
      const layout = paramLayout(denseNetwork([3, 2])); // W: 6 floats, b: 2
      const { offset, weights } = layout.layers[0];
      const n = layout.total;
      const params = new Float32Array(n);
      params.set(o.weights, offset);
      params.set(o.biases, offset + weights);
      const [m, v] = [new Float32Array(n), new Float32Array(n)];
      o.lrs.forEach((lr, s) => {
        const grads = new Float32Array(n);
        grads.set(o.grads[s], offset);
        if (o.kind === 'adamw') adamwUpdate(params, m, v, grads, layout, lr, o.decay, ADAM_DEFAULTS, s + 1);
        else adamUpdate(params, m, v, grads, layout, lr, o.decay, ADAM_DEFAULTS, s + 1);
      });
      expectClose('weights', params.subarray(offset, offset + weights), o.afterWeights, ADAM_TOL);
      expectClose('biases', params.subarray(offset + weights, offset + weights + 2), o.afterBiases, ADAM_TOL);
    });
  }
});

describe('configurations a schedule or AdamW refuses, each saying what to do', () => {
  const refuse = (c: Partial<TrainConfig>, pattern: RegExp, trainCount = 1000) =>
    expect(() => validateConfig(configOf(c), 784, 10, trainCount)).toThrow(pattern);
  it('refuses them', () => {
    refuse({ lrSchedule: 'onecycle', lrDecay: 1, warmup: 5 }, /onecycle schedule warms up by itself.*leave out --warmup 5/);
    refuse({ lrSchedule: 'cosine', lrDecay: 0.9 }, /--lr-decay 0\.9 is the step schedule's.*give --lr-decay 1, or --schedule step/);
    refuse({ warmup: 200, epochs: 20 }, /warm-up of 200 mini-batches is not shorter than the run's 200.*--warmup 199 or less/);
    refuse({ warmup: 1.5 }, /warm-up 1\.5 must be a whole number/);
    refuse({ lrMin: 0.01 }, /--lr-min 0\.01 is the cosine schedule's floor: add --schedule cosine/);
    refuse({ lrSchedule: 'cosine', lrDecay: 1, lrMin: 0.5 }, /floor --lr-min 0\.5 must be ≥ 0 and below --lr 0\.3/);
    refuse({ lrSchedule: 'onecycle', lrDecay: 1, epochs: 1 }, /onecycle schedule needs at least 4 mini-batches.*has 3/, 300);
    refuse({ lrSchedule: 'linear' as never }, /schedule "linear" is not one of step, cosine, onecycle/);
    refuse({ optimizer: 'adamw', l2: 1e-4 }, /AdamW decays weights itself.*give --l2 0, or --optimizer adam/);
    refuse({ optimizer: 'adam', weightDecay: 0.1 }, /weight decay 0\.1 is AdamW's.*add --optimizer adamw/);
    refuse({ optimizer: 'adamw', weightDecay: -1 }, /weight decay -1 must be a number ≥ 0/);
  });
  it('speaks of the cosine floor only when the schedule is cosine', () => {
    const message = (c: Partial<TrainConfig>) => {
      try {
        validateConfig(configOf(c), 784, 10, 1000);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    const step = message({ lr: -1 });
    expect(step).toMatch(/learning rate -1 must be a positive number/);
    expect(step).not.toMatch(/cosine|--lr-min/);
    expect(message({ lrSchedule: 'onecycle', lrDecay: 1, lr: 0 })).not.toMatch(/cosine|--lr-min/);
    expect(message({ lrSchedule: 'cosine', lrDecay: 1, lr: -1 })).toMatch(/floor --lr-min 0 must be ≥ 0 and below --lr -1/);
  });
  it('accepts the schedules with what they take', () => {
    for (const c of [
      { lrSchedule: 'onecycle', lrDecay: 1 }, { lrSchedule: 'cosine', lrDecay: 1, warmup: 50, lrMin: 1e-4 }, { warmup: 100 },
      { optimizer: 'adamw', weightDecay: 0.05 },
    ] as Partial<TrainConfig>[]) {
      expect(() => validateConfig(configOf(c), 784, 10, 1000)).not.toThrow();
    }
  });
});

describe('the options', () => {
  it('--schedule cosine or onecycle drops the preset\'s --lr-decay; an explicit one stays (and is refused)', () => {
    expect(configFromFlags({ schedule: 'cosine' })).toMatchObject({ lrSchedule: 'cosine', lrDecay: 1 });
    expect(configFromFlags({ schedule: 'onecycle', lrDecay: '0.5' })).toMatchObject({ lrSchedule: 'onecycle', lrDecay: 0.5 });
    expect(configFromFlags({ schedule: 'step', warmup: '100' })).toMatchObject({ lrSchedule: 'step', lrDecay: 0.9, warmup: 100 });
    expect(configFromFlags({ schedule: 'cosine', lrMin: '1e-4' })).toMatchObject({ lrMin: 1e-4 });
    expect(() => configFromFlags({ schedule: 'linear' })).toThrow(/Unknown schedule "linear": choose one of step, cosine, onecycle/);
    expect(() => configFromFlags({ warmup: '1e3' })).toThrow(/--warmup must be a whole number/);
  });
  it('--optimizer adamw leaves the preset\'s L2 behind; --weight-decay needs it', () => {
    const c = configFromFlags({ optimizer: 'adamw' });
    expect(c).toMatchObject({ optimizer: 'adamw', l2: 0 });
    expect(c.weightDecay).toBeUndefined(); // torch's 0.01 (weightDecayOf)
    expect(configFromFlags({ optimizer: 'adamw', weightDecay: '0.05', beta1: '0.8' })).toMatchObject({ weightDecay: 0.05, beta1: 0.8 });
    expect(() => configFromFlags({ weightDecay: '0.05' })).toThrow(/--weight-decay is AdamW's.*this run uses sgd: add --optimizer adamw, or use --l2/);
    expect(configFromFlags({ optimizer: 'adamw', l2: '1e-4' }).l2).toBe(1e-4); // and validateConfig refuses it
  });
});
