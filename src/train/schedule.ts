/**
 * The learning rate of every mini-batch: one pure function both trainers call (the GPU
 * trainer once per epoch for the epoch's per-step uniform, the CPU trainer per step), so
 * they train with the same rates, and a resumed run with the rates of an uninterrupted one.
 *
 * With t the mini-batch's number in the whole run (0-based), S mini-batches per epoch,
 * T = epochs·S in the run, W = warmup mini-batches, η = lr:
 *   step      η·lrDecay^(epoch − 1)                       (today's per-epoch decay)
 *   cosine    lrMin + (η − lrMin)·(1 + cos(π·(t − W)/(T − W)))/2   for t ≥ W
 *             (torch's CosineAnnealingLR with T_max = T − W, stepped per mini-batch)
 *   onecycle  torch's OneCycleLR(max_lr = η, total_steps = T) with its defaults: from η/25
 *             up to η over the first 30% (cosine), then down to η/25/1e4 (cosine)
 * Warm-up (step and cosine): mini-batch t < W trains at (t + 1)/W of its rate, the rate
 * reaching its full value at t = W − 1 (torch's LinearLR(start_factor = 1/W,
 * total_iters = W − 1)). onecycle warms up by itself and takes no W. Adam's β1 stays fixed
 * (torch's OneCycleLR would also cycle it between 0.85 and 0.95 by default).
 */
import { lrAtEpoch, scheduleOf, type TrainConfig } from './config.ts';

/** torch.optim.lr_scheduler.OneCycleLR's defaults, which the onecycle schedule uses. */
const ONECYCLE = { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 } as const;

/** torch's _annealing_cos: from `start` at pct 0 to `end` at pct 1 along half a cosine. */
const annealCos = (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

/** OneCycleLR's rate at step t of T (torch 1.13's get_lr, two phases, cosine annealing). */
function oneCycle(maxLr: number, t: number, T: number): number {
  const initial = maxLr / ONECYCLE.divFactor;
  const min = initial / ONECYCLE.finalDivFactor;
  const warmEnd = ONECYCLE.pctStart * T - 1;
  if (t <= warmEnd) return annealCos(initial, maxLr, t / warmEnd);
  return annealCos(maxLr, min, (t - warmEnd) / (T - 1 - warmEnd));
}

/**
 * η for mini-batch `step` (0-based) of epoch `epoch` (1-based), an epoch being
 * `stepsPerEpoch` mini-batches.
 */
export function learningRate(config: TrainConfig, epoch: number, step: number, stepsPerEpoch: number): number {
  const t = (epoch - 1) * stepsPerEpoch + step;
  const T = config.epochs * stepsPerEpoch;
  const W = config.warmup ?? 0;
  const warm = (rate: number) => (t < W ? (rate * (t + 1)) / W : rate);
  switch (scheduleOf(config)) {
    case 'step':
      return warm(lrAtEpoch(config, epoch));
    case 'cosine': {
      const floor = config.lrMin ?? 0;
      return t < W ? warm(config.lr) : annealCos(config.lr, floor, (t - W) / (T - W));
    }
    case 'onecycle':
      return oneCycle(config.lr, t, T);
  }
}

/** The rates of one epoch's mini-batches, in order. */
export function epochRates(config: TrainConfig, epoch: number, stepsPerEpoch: number): Float64Array {
  return Float64Array.from({ length: stepsPerEpoch }, (_, s) => learningRate(config, epoch, s, stepsPerEpoch));
}

/**
 * Whether η stays the same through every epoch (the step schedule without warm-up): then
 * plain SGD may be fused into the weight-gradient matmuls, which read one rate per epoch.
 */
export function constantWithinEpochs(config: TrainConfig): boolean {
  return scheduleOf(config) === 'step' && (config.warmup ?? 0) === 0;
}

/** The schedule in words, for run headers: `η 0.3 ×0.9/epoch`, `η 0.01 cosine to 0, warm-up 500 mini-batches`. */
export function scheduleText(config: TrainConfig): string {
  const W = config.warmup ?? 0;
  const warm = W > 0 ? `, warm-up ${W} mini-batches` : '';
  switch (scheduleOf(config)) {
    case 'step':
      return `η ${config.lr}${config.lrDecay !== 1 ? ` ×${config.lrDecay}/epoch` : ''}${warm}`;
    case 'cosine':
      return `η ${config.lr} cosine to ${config.lrMin ?? 0}${warm}`;
    case 'onecycle':
      return `η onecycle ${config.lr / ONECYCLE.divFactor} → ${config.lr} → ${config.lr / ONECYCLE.divFactor / ONECYCLE.finalDivFactor}`;
  }
}
