/** Class names in a model file's metadata: saved, read back, absent in older files, and checked. */
import { describe, expect, it } from 'vitest';
import { classNamesNote, loadModel, saveModel } from '../../src/model/model-file.ts';
import { params, SPEC } from './model-bytes.ts';
import { classCount } from '../../src/model/spec.ts';

const K = classCount(SPEC);
const names = Array.from({ length: K }, (_, i) => `class ${i} ✓`);

describe('class names in model files', () => {
  it('are saved with the model and read back', () => {
    const saved = loadModel(saveModel(SPEC, params(SPEC), { ...classNamesNote(names), epochs: '1' }));
    expect(saved.classNames).toEqual(names);
    expect(saved.metadata.epochs).toBe('1');
  });

  it('are absent from files that do not name them (older files, IDX data), which still load', () => {
    const saved = loadModel(saveModel(SPEC, params(SPEC), classNamesNote(undefined)));
    expect(saved.classNames).toBeUndefined();
    expect('classNames' in saved.metadata).toBe(false);
  });

  it.each([
    ['too few names', JSON.stringify(names.slice(1))],
    ['not JSON', 'cat, dog'],
    ['not strings', JSON.stringify(names.map((_, i) => i))],
  ])('are refused when the metadata holds %s', (_what, text) => {
    expect(() => loadModel(saveModel(SPEC, params(SPEC), { classNames: text }))).toThrow(
      new RegExp(`the "classNames" metadata must be a JSON array of ${K} strings, one per output`),
    );
  });
});
