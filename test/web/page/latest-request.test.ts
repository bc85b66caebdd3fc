/** Only the latest request (web/page/latest-request.ts): what the drawing pad's classification and the playground's form both follow. */
import { describe, expect, it } from 'vitest';
import { LatestRequest } from '../../../web/page/latest-request.ts';

/** A page whose state is a number; each request sent carries the state at the time it is sent. */
function page() {
  const sent: number[] = [];
  const p = { state: 0, ready: true, sent };
  const latest = new LatestRequest((): boolean => p.ready && sent.push(p.state) > 0);
  return Object.assign(p, { latest });
}

describe('LatestRequest', () => {
  it('sends at once when nothing is out', () => {
    const p = page();
    p.latest.request();
    expect(p.sent).toEqual([0]);
  });

  it('folds what is asked while a request is out into one request, sent with the state as it is when the answer comes', () => {
    const p = page();
    p.latest.request();
    for (const state of [1, 2, 3]) {
      p.state = state;
      p.latest.request();
    }
    expect(p.sent).toEqual([0]);
    p.state = 4;
    p.latest.answered();
    expect(p.sent).toEqual([0, 4]);
    p.latest.answered();
    expect(p.sent).toEqual([0, 4]);
  });

  it('is free again when there was nothing to send', () => {
    const p = page();
    p.ready = false;
    p.latest.request();
    expect(p.sent).toEqual([]);
    p.ready = true;
    p.latest.request();
    expect(p.sent).toEqual([0]);
  });

  it('is free again when the waiting request had nothing to send', () => {
    const p = page();
    p.latest.request();
    p.latest.request();
    p.ready = false;
    p.latest.answered();
    p.ready = true;
    p.state = 7;
    p.latest.request();
    expect(p.sent).toEqual([0, 7]);
  });
});
