/** Own classes (web/shared/own-classes.ts): allowed names, the split of a few drawings, the network, the export paths. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/train/config.ts';
import {
  classNameProblem, exportPath, ownClassConfig, ownClassSplits, trainingProblem, type OwnExample,
} from '../../../web/shared/own-classes.ts';

/** Example i of class `label`: its pixels hold i so the split's order can be read back. */
const example = (label: number, i: number): OwnExample => ({ label, pixels: new Uint8Array(784).fill(i) });

describe('own classes', () => {
  it('takes names that can be folder names, once each, and says what is wrong with the others', () => {
    expect(classNameProblem('circle', ['cross'])).toBeNull();
    expect(classNameProblem(' Circle ', ['circle'])).toBe('There is already a class named "Circle".');
    expect(classNameProblem('   ', [])).toBe('A class needs a name.');
    expect(classNameProblem('a/b', [])).toMatch(/cannot be a folder name/);
    expect(classNameProblem('..', [])).toMatch(/cannot be a folder name/);
    expect(classNameProblem('x'.repeat(41), [])).toMatch(/40 characters/);
  });

  it('trains on two classes or more, each with a drawing', () => {
    expect(trainingProblem(['a'], [example(0, 1)])).toBe('Name at least two classes to train on.');
    expect(trainingProblem(['a', 'b', 'c'], [example(0, 1)])).toBe('Draw at least one example of "b", "c".');
    expect(trainingProblem(['a', 'b'], [example(0, 1), example(1, 1)])).toBeNull();
  });

  it('holds out every fifth drawing of each class, in the order drawn', () => {
    const examples = [...Array.from({ length: 11 }, (_, i) => example(0, i + 1)), ...Array.from({ length: 4 }, (_, i) => example(1, 100 + i))];
    const { train, val, heldOut } = ownClassSplits(2, examples);
    expect(heldOut).toBe(2);
    expect(val.count).toBe(2);
    expect([...val.labels]).toEqual([0, 0]);
    expect([val.images[0], val.images[784]]).toEqual([5, 10]);
    expect(train.count).toBe(13);
    expect(train.classes).toBe(2);
    expect([...train.labels].filter((l) => l === 1)).toHaveLength(4); // fewer than five: all train
  });

  it('validates on the training drawings when fewer than five of every class leave none to hold out', () => {
    const { train, val, heldOut } = ownClassSplits(2, [example(0, 1), example(0, 2), example(1, 3)]);
    expect(heldOut).toBe(0);
    expect(val).toBe(train);
    expect(train.count).toBe(3);
    expect([...train.labels]).toEqual([0, 0, 1]);
  });

  it('builds a network with one output per class that the trainer accepts, batches no larger than the drawings', () => {
    const config = ownClassConfig(3, 5, 20);
    expect(config.batch).toBe(5);
    expect(config.epochs).toBe(20);
    expect(() => validateConfig(config, 784, 3, 5, { rows: 28, cols: 28 })).not.toThrow();
    expect(ownClassConfig(2, 40, 1).batch).toBe(8);
  });

  it('exports to <class>/<n>.png', () => {
    expect(exportPath(' circle ', 3)).toBe('circle/3.png');
  });
});
