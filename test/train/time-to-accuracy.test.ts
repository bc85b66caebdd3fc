/** Time to accuracy: the first epoch at each threshold and the training seconds up to its end. */
import { describe, expect, it } from 'vitest';
import { timeToAccuracyJson, timeToAccuracyLine } from '../../src/cli/report.ts';
import { ACCURACY_MILESTONES, percentText, timesToAccuracy } from '../../src/train/time-to-accuracy.ts';

describe('timesToAccuracy', () => {
  it('sums the training seconds up to the end of the first epoch at each threshold, with no interpolation', () => {
    const times = timesToAccuracy([0.95, 0.985, 0.97, 0.99], [10, 12, 11, 13]);
    expect(times).toEqual([
      { threshold: 0.98, epoch: 2, seconds: 22 },
      { threshold: 0.99, epoch: 4, seconds: 46 },
      { threshold: 0.995, epoch: null, seconds: null },
    ]);
  });

  it('counts an accuracy exactly at the threshold as reached (9,900 of 10,000 is 99%)', () => {
    expect(timesToAccuracy([9900 / 10000], [5], [0.99])).toEqual([{ threshold: 0.99, epoch: 1, seconds: 5 }]);
    expect(timesToAccuracy([9899 / 10000], [5], [0.99])).toEqual([{ threshold: 0.99, epoch: null, seconds: null }]);
  });

  it('leaves a time unknown when an epoch up to it has no time (before a resume from an older checkpoint), but not the epoch', () => {
    expect(timesToAccuracy([0.5, 0.985, 0.992], [null, 3, 4], [0.3, 0.98])).toEqual([
      { threshold: 0.3, epoch: 1, seconds: null },
      { threshold: 0.98, epoch: 2, seconds: null },
    ]);
  });

  it('nothing trained: nothing reached; mismatched lengths are a bug', () => {
    expect(timesToAccuracy([], []).map((t) => t.epoch)).toEqual([null, null, null]);
    expect(() => timesToAccuracy([0.5], [])).toThrow('1 accuracies but 0 epoch times');
  });

  it('reports 98%, 99% and 99.5%, written without trailing zeros', () => {
    expect(ACCURACY_MILESTONES.map(percentText)).toEqual(['98%', '99%', '99.5%']);
  });
});

describe('time to accuracy in the report', () => {
  const times = timesToAccuracy([0.97, 0.982, 0.99], [4.01, 4.1, 4.2]).map((t, i) => (i === 1 ? { ...t, seconds: null } : t));

  it('says each threshold on one line', () => {
    expect(timeToAccuracyLine(timesToAccuracy([0.97, 0.982], [4.01, 8.3]))).toBe(
      'time to 98%: 12.3 s (epoch 2); 99%: not reached; 99.5%: not reached (training time from the first mini-batch, validation excluded)',
    );
    expect(timeToAccuracyLine(times)).toBe(
      'time to 98%: 8.1 s (epoch 2); 99%: epoch 3, time unknown; 99.5%: not reached (training time from the first mini-batch, validation excluded)',
    );
  });

  it('gives the JSON fields keyed by threshold', () => {
    expect(timeToAccuracyJson(times)).toEqual({
      timeToAccuracy: { '0.98': expect.closeTo(8.11, 9), '0.99': null, '0.995': null },
      epochToAccuracy: { '0.98': 2, '0.99': 3, '0.995': null },
    });
  });
});
