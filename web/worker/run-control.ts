/**
 * Pause, resume and stop for a training run. A GPU epoch is a few submits read back once,
 * so a run can only halt between epochs: pause and stop take effect when the current epoch
 * ends, and the states say so ('pausing', 'stopping') until then.
 */
import type { RunState } from '../shared/worker-protocol.ts';

export class RunControl {
  private paused = false;
  private wake: (() => void) | null = null;
  stopRequested = false;

  constructor(private readonly report: (state: RunState) => void) {}

  setState(state: RunState): void {
    this.report(state);
  }

  pause(): void {
    if (this.paused || this.stopRequested) return;
    this.paused = true;
    this.report('pausing');
  }

  resume(): void {
    if (!this.paused || this.stopRequested) return;
    this.paused = false;
    this.report('running');
    this.wake?.();
  }

  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.report('stopping');
    this.wake?.();
  }

  /** Between epochs: waits while paused; false when the run should end. */
  async continueAfterPause(): Promise<boolean> {
    if (this.paused && !this.stopRequested) {
      this.report('paused');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return !this.stopRequested;
  }
}
