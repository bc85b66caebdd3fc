/** The --arch syntax for networks with convolutions: parsing, printing, and errors that name the bad token. */
import { describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/model/layout.ts';
import { architectureText, denseNetwork, parseNetwork } from '../../src/model/arch.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { denseSizes } from '../helpers/sizes.ts';
import { PRESETS } from '../../src/train/config.ts';

describe('parseNetwork', () => {
  it('dense architectures are unchanged', () => {
    expect(parseNetwork('784-300-100-10')).toEqual(denseNetwork([784, 300, 100, 10]));
    expect(parseNetwork('28x28-30-10')).toEqual(denseNetwork([784, 30, 10]));
  });

  it('LeNet-5: shapes layer by layer, the flattened size first among the dense widths', () => {
    const net = parseNetwork('1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10');
    expect(denseSizes(net)).toEqual([400, 120, 84, 10]);
    expect(net).toEqual({ input: PRESETS.lenet5.model.input, layers: PRESETS.lenet5.model.layers });
    expect(layerShapes(net).slice(0, 4).map((f) => [f.out.height, f.out.width, f.out.channels])).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16]]);
    expect(architectureText({ ...net })).toBe('1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10');
  });

  it('stride, padding, non-square kernels, overlapping pools, a square input given as pixels', () => {
    const net = parseNetwork('784-conv96k11s4p2-pool3s2-conv8k1x3p1-10');
    expect(net.input).toEqual({ channels: 1, height: 28, width: 28 });
    expect(net.layers.slice(0, 3)).toEqual([
      { type: 'conv', filters: 96, kh: 11, kw: 11, stride: 4, pad: 2 },
      { type: 'maxpool', size: 3, stride: 2, pad: 0 },
      { type: 'conv', filters: 8, kh: 1, kw: 3, stride: 1, pad: 1 },
    ]);
    expect(architectureText({ ...net })).toBe('1x28x28-conv96k11s4p2-pool3s2-conv8k1x3p1-10');
  });

  it('every preset round-trips through its text', () => {
    for (const p of Object.values(PRESETS)) {
      const text = architectureText(p.model);
      const back = parseNetwork(text);
      expect(back.input).toEqual(p.model.input);
      expect(back.layers).toEqual(p.model.layers);
    }
  });

  it('a convolution block has its rows padded to a multiple of 4 and counts only real parameters', () => {
    const layout = paramLayout(parseNetwork('1x28x28-conv6k5p2-pool2-conv16k5-pool2-120-84-10'));
    expect(layout.layers.map((b) => [b.kind, b.fanIn, b.C, b.OC])).toEqual([
      ['conv', 25, 28, 6], ['conv', 150, 152, 16], ['dense', 400, 400, 120], ['dense', 120, 120, 84], ['dense', 84, 84, 10],
    ]);
    expect(layout.count).toBe(26 * 6 + 151 * 16 + 401 * 120 + 121 * 84 + 85 * 10); // LeNet-5's 61,706
  });

  const bad: [string, RegExp][] = [
    ["1x28x28-conv6k5-pool2-conv16k13-10", /token "conv16k13".*13×13 window does not fit its 12×12 input.*smaller than 1×1/],
    ['1x28x28-120-conv6k5-10', /token "conv6k5".*must come before the dense layers/],
    ['1x28x28-conv6k-10', /token "conv6k".*convFkK\[sS\]\[pP\]/],
    ['1x28x28-pool3p3-10', /token "pool3p3".*padding 3 must be smaller than the window 3/],
    ['1x28x28-conv6k5-pool2', /token "pool2".*must end with a dense layer/],
    ['1x28x28-conv0k5-10', /token "conv0k5"/],
    ['780-conv6k5-10', /token "780".*HxW or CxHxW/],
    ['784-3e2-10', /token "3e2".*not a layer/],
    ['784', /needs at least an input and an output/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => {
      expect(() => parseNetwork(text)).toThrow(message);
    });
  }
});
