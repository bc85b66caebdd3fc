/**
 * The input image "Look inside" draws a first layer's weights at (web/worker/inspection.ts
 * inspectModel): the image the drawing pad feeds the network (web/worker/network-input.ts), so
 * a dense network over colour data gets its units drawn as colour images of the data's size.
 */
import { describe, expect, it } from 'vitest';
import { denseNetwork, parseNetwork } from '../../../src/model/arch.ts';
import { paramLayout } from '../../../src/model/layout.ts';
import type { ModelSpec } from '../../../src/model/spec.ts';
import { PRESETS } from '../../../src/train/config.ts';
import { inspectModel } from '../../../web/worker/inspection.ts';

const spec = (net: ReturnType<typeof parseNetwork>): ModelSpec => ({ ...PRESETS.lecun.model, ...net });
const shapeOf = (s: ModelSpec, data: Parameters<typeof inspectModel>[2]) => {
  const { channels, rows, cols } = inspectModel(s, new Float32Array(paramLayout(s).total), data, null);
  return { channels, rows, cols };
};

describe('the image a first layer is drawn at', () => {
  it('is the colour data’s for a dense network over it (3x32x32-64-10 on CIFAR-10), and a colour square without data', () => {
    const net = spec(parseNetwork('3x32x32-64-10'));
    expect(shapeOf(net, { channels: 3, rows: 32, cols: 32 })).toEqual({ channels: 3, rows: 32, cols: 32 });
    expect(shapeOf(net, null)).toEqual({ channels: 3, rows: 32, cols: 32 });
    expect(shapeOf(spec(denseNetwork([96, 4, 2])), { channels: 3, rows: 4, cols: 8 })).toEqual({ channels: 3, rows: 4, cols: 8 });
  });

  it('stays gray for gray networks, is a CNN’s input (of any channels), and is none for inputs that are no image', () => {
    expect(shapeOf(PRESETS.lecun.model, { channels: 1, rows: 28, cols: 28 })).toEqual({ channels: 1, rows: 28, cols: 28 });
    expect(shapeOf(PRESETS.lecun.model, null)).toEqual({ channels: 1, rows: 28, cols: 28 });
    expect(shapeOf(spec(parseNetwork('2x8x6-conv3k3-10')), null)).toEqual({ channels: 2, rows: 8, cols: 6 });
    expect(shapeOf(spec(denseNetwork([10, 2])), null)).toMatchObject({ rows: 0, cols: 0 });
  });
});
