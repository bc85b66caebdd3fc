/**
 * The benchmark's CNN bookkeeping, without timing anything: the layer shapes its kernel rows
 * use (read from the presets), the padding TF.js is given for the same layers, and the
 * target lines.
 */
import { describe, expect, it } from 'vitest';
import { convPoolStages, describeStage } from '../../bench/cnn-layers.ts';
import { cnnTargets, type CnnPeerRow } from '../../bench/peers.ts';
import { tfjsPadding } from '../../bench/peers/tfjs-cnn.ts';
import { colShape } from '../../src/cpu/conv.ts';
import { PRESETS } from '../../src/train/config.ts';

describe('convPoolStages', () => {
  it('lenet5 at batch 100: 28×28×1 → conv 6 (pad 2) → pool → conv 16 → pool', () => {
    const stages = convPoolStages(PRESETS.lenet5.model, 100);
    expect(stages.map(describeStage)).toEqual([
      '28×28×1 → 28×28×6, 5×5 p2',
      '28×28×6 → 14×14×6, 2×2',
      '14×14×6 → 10×10×16, 5×5',
      '10×10×16 → 5×5×16, 2×2',
    ]);
    expect(stages.map((s) => s.first)).toEqual([true, false, false, false]);
    const [conv1, , conv2] = stages;
    if (conv1.kind !== 'conv' || conv2.kind !== 'conv') throw new Error('expected convolutions');
    expect(colShape(conv1.conv)).toEqual({ rows: 78400, cols: 28 }); // 25 taps, rounded up to a multiple of 4
    expect(colShape(conv2.conv)).toEqual({ rows: 10000, cols: 152 });
  });

  it('cnn at batch 100: the second convolution is 19,600 × 400 · 400 × 32', () => {
    const stages = convPoolStages(PRESETS.cnn.model, 100);
    expect(stages.map(describeStage)).toEqual([
      '28×28×1 → 28×28×16, 5×5 p2',
      '28×28×16 → 14×14×16, 2×2',
      '14×14×16 → 14×14×32, 5×5 p2',
      '14×14×32 → 7×7×32, 2×2',
    ]);
    const conv2 = stages[2];
    if (conv2.kind !== 'conv') throw new Error('expected a convolution');
    expect(colShape(conv2.conv)).toEqual({ rows: 19600, cols: 400 });
    expect(conv2.act).toBe('relu');
  });
});

describe('tfjsPadding', () => {
  it("'same' where it pads (K − 1)/2 at stride 1, 'valid' for none, the number otherwise", () => {
    expect(tfjsPadding(5, 1, 2)).toBe('same');
    expect(tfjsPadding(5, 1, 0)).toBe('valid');
    expect(tfjsPadding(2, 2, 0)).toBe('valid');
    expect(tfjsPadding(5, 1, 1)).toBe(1);
    expect(tfjsPadding(3, 2, 1)).toBe(1); // TF's 'same' at stride 2 depends on the input size
  });
});

describe('cnnTargets', () => {
  const row = (network: string, name: string, samplesPerSecond: number | null): CnnPeerRow => ({ network, name, samplesPerSecond, note: '' });
  it('says which of the issue targets (≥ 10× TF.js webgpu, ≥ 5× CPU) are met', () => {
    const lines = cnnTargets([
      row('lenet5', 'wgtrain GPU', 1000), row('lenet5', 'wgtrain CPU reference', 100), row('lenet5', 'TF.js webgpu', 50),
      row('cnn', 'wgtrain GPU', 100), row('cnn', 'wgtrain CPU reference', 40), row('cnn', 'TF.js webgpu', null),
    ]);
    expect(lines).toEqual([
      'lenet5: wgtrain GPU 20.0× TF.js webgpu (target 10×: met), 10.0× wgtrain CPU reference (target 5×: met)',
      'cnn: wgtrain GPU no rate for TF.js webgpu, 2.5× wgtrain CPU reference (target 5×: not met)',
    ]);
  });
});
