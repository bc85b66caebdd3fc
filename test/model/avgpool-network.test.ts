/**
 * The --arch tokens of average pooling (avgpoolK[sS][pP]) and global average pooling (gap):
 * parsing, printing, shapes, errors that name the token, and a model file that round-trips.
 */
import { describe, expect, it } from 'vitest';
import { moduleOf } from '../../src/layers/index.ts';
import { architectureText, parseNetwork } from '../../src/model/arch.ts';
import { loadModel, saveModel } from '../../src/model/model-file.ts';
import { resolveNetwork } from '../../src/model/network.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { PRESETS } from '../../src/train/config.ts';

describe('avgpool and gap tokens', () => {
  it('parse into layers, shapes follow, and print back', () => {
    const text = '1x12x12-conv4k3p1-avgpool2-conv6k3-gap-10';
    const net = parseNetwork(text);
    expect(net.layers).toEqual([
      { type: 'conv', filters: 4, kh: 3, kw: 3, stride: 1, pad: 1 },
      { type: 'avgpool', size: 2, stride: 2, pad: 0 },
      { type: 'conv', filters: 6, kh: 3, kw: 3, stride: 1, pad: 0 },
      { type: 'globalavgpool' },
      { type: 'dense', units: 10 },
    ]);
    expect(layerShapes(net).map((s) => [s.out.channels, s.out.height, s.out.width])).toEqual([
      [4, 12, 12], [4, 6, 6], [6, 4, 4], [6, 1, 1], [10, 1, 1],
    ]);
    expect(architectureText(net)).toBe(text);
  });

  it('stride and padding: avgpool3s2p1 (shapes as PyTorch: ⌊(13 + 2 − 3)/2⌋ + 1 = 7), tokens print minimal', () => {
    const net = parseNetwork('1x13x11-avgpool3s2p1-avgpool2s2-avgpool2s1p1-gap-5:tanh-3');
    expect(net.layers.slice(0, 3)).toEqual([
      { type: 'avgpool', size: 3, stride: 2, pad: 1 },
      { type: 'avgpool', size: 2, stride: 2, pad: 0 },
      { type: 'avgpool', size: 2, stride: 1, pad: 1 },
    ]);
    expect(layerShapes(net).slice(0, 4).map((s) => [s.out.height, s.out.width])).toEqual([[7, 6], [3, 3], [4, 4], [1, 1]]);
    expect(architectureText(net)).toBe('1x13x11-avgpool3s2p1-avgpool2-avgpool2s1p1-gap-5:tanh-3');
  });

  it('a square pixel count is an image; describe() says what each layer does', () => {
    const spec = { ...PRESETS.lecun.model, ...parseNetwork('784-conv6k5p2-avgpool2-gap-10') };
    expect(spec.input).toEqual({ channels: 1, height: 28, width: 28 });
    const labels = resolveNetwork(spec).layers.map((r) => moduleOf(r.layer).describe(r as never));
    expect(labels[1]).toBe('avg-pool 1: 2×2');
    expect(labels[2]).toBe('global avg-pool 1: 14×14 → 1×1');
  });

  const bad: [string, RegExp][] = [
    ['1x28x28-avgpool3p3-10', /token "avgpool3p3".*padding 3 must be smaller than the window 3/],
    ['1x4x4-avgpool5-10', /token "avgpool5".*5×5 window does not fit its 4×4 input/],
    ['1x28x28-avgpool-10', /token "avgpool".*avgpoolK\[sS\]\[pP\]/],
    ['1x28x28-avgpool0-10', /token "avgpool0".*avgpoolK/],
    ['1x28x28-gap2-10', /token "gap2".*not in the form gap/],
    ['1x28x28-avgpool2:relu-10', /token "avgpool2:relu".*has no activation of its own/],
    ['1x28x28-gap:tanh-10', /token "gap:tanh".*has no activation of its own/],
    ['1x28x28-120-gap-10', /token "gap".*must come before the dense layers/],
    ['1x28x28-conv6k5-gap', /token "gap".*must end with a dense layer/],
    ['780-gap-10', /token "780".*HxW or CxHxW/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => {
      expect(() => parseNetwork(text)).toThrow(message);
    });
  }

  it('a model file with both layers loads back with the same spec and parameters', () => {
    const spec = { ...PRESETS.lecun.model, ...parseNetwork('1x12x12-conv4k3p1-avgpool3s2p1-conv6k3-gap-10') };
    const { layout } = resolveNetwork(spec);
    expect(layout.layers.map((b) => b.kind)).toEqual(['conv', 'conv', 'dense']); // pooling has no parameters
    expect(layout.layers[2].fanIn).toBe(6); // the dense layer reads the 6 channel means
    const params = Float32Array.from({ length: layout.total }, (_, i) => Math.sin(i));
    const bytes = saveModel(spec, params);
    const back = loadModel(bytes);
    expect(back.spec).toEqual(spec);
    expect(saveModel(back.spec, back.params)).toEqual(bytes); // every tensor (padding rows are not saved)
  });
});
