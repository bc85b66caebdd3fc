/** The validation split the CLI (--validation, --limit) and the page share (src/train/split.ts). */
import { describe, expect, it } from 'vitest';
import { defaultValidation, splitTraining } from '../../src/train/split.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const NAMES = { validation: '--validation', limit: '--limit' };

describe('splitTraining', () => {
  const all = syntheticSplit(10, 1, 2, 2, 3);

  it('holds out the last images, then trains on the first `limit` of the rest, sharing memory', () => {
    const { train, val } = splitTraining(all, { validation: 3, limit: 4 }, NAMES);
    expect([train.count, val.count]).toEqual([4, 3]);
    expect(val.labels).toEqual(all.labels.subarray(7, 10));
    expect(train.labels).toEqual(all.labels.subarray(0, 4));
    expect(train.images.buffer).toBe(all.images.buffer);
    expect(splitTraining(all, { validation: 9, limit: null }, NAMES).train.count).toBe(1);
  });

  it('names the number to fix, as the front end calls it, with its range', () => {
    const cases: [number, number | null, string][] = [
      [0, null, '--validation must be a whole number from 1 to 9 (the images held out of training).'],
      [10, null, '--validation must be a whole number from 1 to 9'],
      [2.5, null, '--validation must be a whole number from 1 to 9'],
      [Number.NaN, null, '--validation must be a whole number from 1 to 9'],
      [3, 0, '--limit must be a whole number from 1 to 7 (the training images left after the validation split).'],
      [3, 8, '--limit must be a whole number from 1 to 7'],
      [3, 1.5, '--limit must be a whole number from 1 to 7'],
    ];
    for (const [validation, limit, message] of cases) {
      expect(() => splitTraining(all, { validation, limit }, NAMES), `${validation}, ${limit}`).toThrow(message);
    }
  });
});

describe('defaultValidation', () => {
  it("holds out MNIST's 10,000 where the set has more, else a sixth of it, at least 1", () => {
    expect(defaultValidation(60000)).toBe(10000);
    expect(defaultValidation(10001)).toBe(10000);
    expect(defaultValidation(10000)).toBe(1667);
    expect(defaultValidation(40)).toBe(7);
    expect(defaultValidation(3)).toBe(1);
    expect(defaultValidation(2)).toBe(1);
  });
});
