/** Pause, resume and stop between epochs, and the states the page is told. */
import { describe, expect, it } from 'vitest';
import { RunControl } from '../../../web/worker/run-control.ts';
import type { RunState } from '../../../web/shared/worker-protocol.ts';

function control() {
  const states: RunState[] = [];
  return { c: new RunControl((s) => states.push(s)), states };
}

describe('RunControl', () => {
  it('lets an unpaused run go on', async () => {
    const { c, states } = control();
    expect(await c.continueAfterPause()).toBe(true);
    expect(states).toEqual([]);
  });

  it('holds a paused run at the epoch boundary until resumed', async () => {
    const { c, states } = control();
    c.pause();
    let passed = false;
    const gate = c.continueAfterPause().then((go) => (passed = go));
    await Promise.resolve();
    expect(passed).toBe(false);
    expect(states).toEqual(['pausing', 'paused']);
    c.resume();
    await gate;
    expect(passed).toBe(true);
    expect(states).toEqual(['pausing', 'paused', 'running']);
  });

  it('ends a paused run when stopped', async () => {
    const { c, states } = control();
    c.pause();
    const gate = c.continueAfterPause();
    c.stop();
    expect(await gate).toBe(false);
    expect(states).toEqual(['pausing', 'paused', 'stopping']);
  });

  it('ignores a resume after a stop and a second pause', async () => {
    const { c, states } = control();
    c.pause();
    c.pause();
    c.stop();
    c.resume();
    expect(await c.continueAfterPause()).toBe(false);
    expect(states).toEqual(['pausing', 'stopping']);
  });
});
