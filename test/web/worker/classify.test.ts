/**
 * The page's one-image forward pass (web/worker/classify.ts) against the CPU reference trainer's
 * own evaluation, and what "Look inside" is built from (web/worker/inspection.ts).
 */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../../src/cpu/trainer.ts';
import { holdOut } from '../../../src/data/dataset.ts';
import { PRESETS } from '../../../src/train/config.ts';
import { classifyImage } from '../../../web/worker/classify.ts';
import { inspectModel, validationDetail } from '../../../web/worker/inspection.ts';
import { syntheticSplit } from '../../helpers/splits.ts';
import { denseNetwork, parseNetwork } from '../../../src/model/arch.ts';
import { stateLayout } from '../../../src/model/layout.ts';
import { initState } from '../../../src/model/param-block.ts';

const { train, val } = holdOut(syntheticSplit(700, 3), 200);

async function trained(preset: 'lecun' | 'nielsen', sizes: number[]) {
  const config = { ...PRESETS[preset], model: { ...PRESETS[preset].model, ...denseNetwork(sizes) }, epochs: 1 };
  const t = new CpuTrainer(config, train, val);
  await t.trainEpoch();
  return { t, spec: config.model, params: await t.getParams() };
}

const image = (i: number) => val.images.subarray(i * 784, (i + 1) * 784);

describe('classifyImage', () => {
  it('gives softmax probabilities whose argmax is the trainer’s prediction for every validation image', async () => {
    const { t, spec, params } = await trained('lecun', [784, 24, 10]);
    const evaluation = await t.evaluate(val);
    for (let i = 0; i < val.count; i++) {
      const out = classifyImage(spec, params, image(i));
      expect(out.kind).toBe('probability');
      expect(out.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const best = out.values.indexOf(Math.max(...out.values));
      expect(best, `validation image ${i}`).toBe(evaluation.preds[i]);
    }
    expect(evaluation.accuracy).toBeGreaterThan(0.5); // well above chance: the predictions compared above are not all alike
  });

  it('gives the sigmoid outputs of a quadratic-loss network', async () => {
    const { t, spec, params } = await trained('nielsen', [784, 16, 10]);
    const evaluation = await t.evaluate(val);
    const out = classifyImage(spec, params, image(0));
    expect(out.kind).toBe('activation');
    for (const v of out.values) expect(v > 0 && v < 1).toBe(true);
    expect(out.values.indexOf(Math.max(...out.values))).toBe(evaluation.preds[0]);
  });

  it('classifies with a batch-normalised network’s running statistics, as the trainer evaluates (a model loaded in the page)', async () => {
    const config = { ...PRESETS.lenet5, model: { ...PRESETS.lenet5.model, ...parseNetwork('1x28x28-conv4k5p2:identity-bn:relu-pool2-16-bn-10') }, batch: 20, epochs: 1 };
    const t = new CpuTrainer(config, train, val);
    await t.trainEpoch();
    const [params, state] = [await t.getParams(), await t.getLayerState()];
    const start = initState(stateLayout(config.model));
    expect(state.some((v, i) => v !== start[i])).toBe(true); // the running statistics moved from their start
    const evaluation = await t.evaluate(val);
    for (let i = 0; i < 20; i++) {
      const out = classifyImage(config.model, params, image(i), state);
      expect(out.values.indexOf(Math.max(...out.values)), `validation image ${i}`).toBe(evaluation.preds[i]);
    }
  });

  it('refuses an image of the wrong size, saying both sizes', async () => {
    const { spec, params } = await trained('lecun', [784, 8, 10]);
    expect(() => classifyImage(spec, params, new Uint8Array(64))).toThrow('This network takes 784 pixels but the image has 64.');
  });
});

describe('inspection', () => {
  it('counts every validation image once in the confusion matrix and lists only real mistakes', async () => {
    const { t, spec, params } = await trained('lecun', [784, 4, 10]);
    const evaluation = await t.evaluate(val);
    const detail = validationDetail(evaluation, val, 5);
    expect(detail.confusion.flat().reduce((a, b) => a + b, 0)).toBe(val.count);
    expect(detail.confusion.reduce((s, row, k) => s + row[k], 0)).toBe(evaluation.correct);
    expect(detail.misclassified.length).toBe(Math.min(5, val.count - evaluation.correct));
    for (const m of detail.misclassified) {
      expect(m.pred).not.toBe(m.label);
      expect(m.label).toBe(val.labels[m.index]);
      expect(m.pixels).toEqual(image(m.index));
    }
    const inspection = inspectModel(spec, params, { channels: 1, rows: 28, cols: 28 }, detail);
    expect(inspection.weights).toHaveLength(784 * 4);
    expect(inspection.weights[5 * 4 + 2]).toBe(params[5 * 4 + 2]); // W[c = 5, o = 2], row-major (C, OC)
  });
});
