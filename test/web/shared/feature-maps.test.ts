/**
 * "Look inside" for convolutional networks (web/shared/feature-maps.ts, web/worker/inspection.ts): one
 * image through a CNN against the CPU reference trainer's own forward pass, feature maps
 * layer by layer against the direct convolution and pooling loops, and filters read from
 * the parameter block at W[((i·KW + j)·IC + c)·OC + o].
 */
import { describe, expect, it } from 'vitest';
import { conv2dDirect, convGeometry } from '../../../src/cpu/conv.ts';
import { maxPoolForward, poolGeometry } from '../../../src/cpu/pool.ts';
import { CpuTrainer } from '../../../src/cpu/trainer.ts';
import { holdOut } from '../../../src/data/dataset.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import { denseNetwork, parseNetwork } from '../../../src/model/arch.ts';
import { type ModelSpec } from '../../../src/model/spec.ts';
import { PRESETS } from '../../../src/train/config.ts';
import { classifyImage } from '../../../web/worker/classify.ts';
import { channel, featureImages, filterImage, firstFilterShape, forwardImage } from '../../../web/shared/feature-maps.ts';
import { heatmapRgba, maxAbs } from '../../../web/shared/heatmap.ts';
import { inspectModel } from '../../../web/worker/inspection.ts';
import { expectClose } from '../../helpers/compare.ts';
import { syntheticSplit } from '../../helpers/splits.ts';

const { train, val } = holdOut(syntheticSplit(400, 5), 100);
const image = (i: number) => val.images.subarray(i * 784, (i + 1) * 784);

function cnnSpec(arch: string): ModelSpec {
  return { ...PRESETS.lenet5.model, ...parseNetwork(arch) };
}

async function trained(arch: string) {
  const config = { ...PRESETS.lenet5, model: cnnSpec(arch), batch: 20, epochs: 1 };
  const t = new CpuTrainer(config, train, val);
  await t.trainEpoch();
  return { t, spec: config.model, params: await t.getParams() };
}

describe('forwardImage on a CNN', () => {
  it('predicts what the CPU reference trainer predicts, for every validation image', async () => {
    const { t, spec, params } = await trained('1x28x28-conv4k5s2p1-pool2-12-10');
    const evaluation = await t.evaluate(val);
    expect(evaluation.accuracy).toBeGreaterThan(0.3); // trained: the predictions compared are not all alike
    for (let i = 0; i < val.count; i++) {
      const out = classifyImage(spec, params, image(i));
      expect(out.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(out.values.indexOf(Math.max(...out.values)), `validation image ${i}`).toBe(evaluation.preds[i]);
    }
  });

  it('gives every feature layer’s output, each equal to the direct loops on the layer before', async () => {
    const { spec, params } = await trained('1x28x28-conv3k5p2-pool2-conv5k3s2-pool3s2p1-10');
    const { features } = forwardImage(spec, params, image(3));
    expect(features.map((f) => [f.label, f.shape.channels, f.shape.height, f.shape.width])).toEqual([
      ['conv 1: 3 filters 5×5, padding 2, relu', 3, 28, 28],
      ['max-pool 1: 2×2', 3, 14, 14],
      ['conv 2: 5 filters 3×3, stride 2, relu', 5, 6, 6],
      ['max-pool 2: 3×3, stride 2, padding 1', 5, 3, 3],
    ]);
    const [c1, c2] = paramLayout(spec).layers.filter((b) => b.kind === 'conv');
    const block = (b: typeof c1) => params.subarray(b.offset, b.offset + b.size);
    const x = Float32Array.from(image(3), (p) => p / 255);
    const want1 = new Float32Array(28 * 28 * 3);
    conv2dDirect(want1, x, block(c1), convGeometry(1, 1, 28, 28, 3, 5, 5, 1, 2), 'relu');
    expectClose('conv 1', features[0].values, want1, { atol: 1e-6, rtol: 1e-5 });
    const want2 = new Float32Array(6 * 6 * 5);
    conv2dDirect(want2, features[1].values, block(c2), convGeometry(1, 3, 14, 14, 5, 3, 3, 2, 0), 'relu');
    expectClose('conv 2', features[2].values, want2, { atol: 1e-6, rtol: 1e-5 });
    const pooled = new Float32Array(3 * 3 * 5);
    maxPoolForward(pooled, new Uint32Array(pooled.length), features[2].values, poolGeometry(1, 5, 6, 6, 3, 2, 1));
    expect(features[3].values).toEqual(pooled);
    expect(features[0].values.some((v) => v > 0)).toBe(true);
    // Channel 2 of conv 1 at (y 10, x 7): NHWC index (10·28 + 7)·3 + 2.
    expect(channel(features[0], 2)[10 * 28 + 7]).toBe(features[0].values[(10 * 28 + 7) * 3 + 2]);
  });

  it('has no feature maps for a dense network and refuses an image of the wrong size', async () => {
    const { spec, params } = await trained('1x28x28-conv2k3-10');
    expect(() => forwardImage(spec, params, new Uint8Array(100))).toThrow('This network takes 784 pixels but the image has 100.');
    const dense = { ...PRESETS.lecun.model, ...denseNetwork([784, 10]) };
    expect(forwardImage(dense, new Float32Array(paramLayout(dense).total), image(0)).features).toEqual([]);
  });
});

describe('first-layer filters', () => {
  it('are read from the conv block at W[((i·KW + j)·IC + c)·OC + o], channels side by side', () => {
    const spec = cnnSpec('2x8x8-conv3k3x2-10');
    const shape = firstFilterShape(spec)!;
    expect(shape).toEqual({ KH: 3, KW: 2, IC: 2 });
    const layout = paramLayout(spec);
    const params = Float32Array.from({ length: layout.total }, (_, i) => i);
    const inspection = inspectModel(spec, params, null, null);
    expect(inspection.filters).toEqual(shape);
    expect([inspection.C, inspection.OC]).toEqual([12, 3]); // 3·2·2 rows
    const o = 1;
    const img = filterImage(inspection.weights, inspection.OC, shape, o);
    expect(img).toHaveLength(3 * 4);
    // Row i = 2, channel c = 1, column j = 0: image column c·KW + j = 2.
    expect(img[2 * 4 + 2]).toBe(params[((2 * 2 + 0) * 2 + 1) * 3 + o]);
    expect(img[0]).toBe(params[o]);
  });

  it('are absent for a dense network', () => {
    expect(firstFilterShape(PRESETS.lecun.model)).toBeNull();
    expect(inspectModel(PRESETS.lecun.model, new Float32Array(paramLayout(PRESETS.lecun.model).total), null, null).filters).toBeNull();
  });

  it('colours a layer’s channels on one scale, its first 32 at most (what the worker sends the page)', () => {
    const shape = { channels: 40, height: 3, width: 2 };
    const values = Float32Array.from({ length: 40 * 6 }, (_, i) => ((i * 37) % 11) - 2);
    const images = featureImages({ label: 'conv 1', shape, values });
    expect(images.channels).toHaveLength(32);
    expect(images.signed).toBe(true);
    const scale = maxAbs(values);
    for (const c of [0, 5, 31]) expect(images.channels[c]).toEqual(heatmapRgba(channel({ label: '', shape, values }, c), true, scale));
  });
});
