/**
 * A run that blew up: once a mini-batch's loss is NaN or ±Infinity every later step only
 * spreads it, so the CLI and the page both stop at the end of that epoch, with these words.
 */
import type { EpochReport } from './trainer.ts';

/** A number as people read it: at most 6 significant digits, so 810 × 810 shows as 656100, not 656100.0000000001. */
const readable = (x: number) => String(Number(x.toPrecision(6)));

/** Why the run must stop (the first mini-batch whose loss is not finite, and what to try), or null when every loss is finite. */
export function divergence(r: Pick<EpochReport, 'epoch' | 'lr' | 'stepLoss'>): string | null {
  const bad = r.stepLoss.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return null;
  return `Training diverged: the loss became ${r.stepLoss[bad]} at mini-batch ${bad + 1} of epoch ${r.epoch}. Try a smaller learning rate (now ${readable(r.lr)}).`;
}
