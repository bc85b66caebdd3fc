/**
 * Per-layer activations: a dense or convolution layer may name its own activation in
 * --arch ("conv4k3p1:tanh", "16:sigmoid"); the others take the network's hidden activation.
 * Parsing and printing, what each layer resolves to, one step GPU vs CPU, and a short run
 * whose loss falls.
 */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { architectureText, parseNetwork } from '../../src/model/arch.ts';
import { resolveNetwork } from '../../src/model/network.ts';
import { PRESETS, type TrainConfig } from '../../src/train/config.ts';
import { compareOneStep, trainerPairs } from '../helpers/pair.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const ARCH = '1x28x28-conv4k3p1:tanh-pool2-conv5k3-pool2-16:sigmoid-12-10';
const config: TrainConfig = {
  ...PRESETS.lecun,
  model: { ...PRESETS.lecun.model, activation: 'relu', ...parseNetwork(ARCH) },
  batch: 20,
  lr: 0.1,
};

describe('per-layer activations in --arch', () => {
  it('parse, print back, and resolve layer by layer (own, hidden default, pooling, output)', () => {
    const net = parseNetwork(ARCH);
    expect(net.layers[0]).toEqual({ type: 'conv', filters: 4, kh: 3, kw: 3, stride: 1, pad: 1, activation: 'tanh' });
    expect(net.layers[4]).toEqual({ type: 'dense', units: 16, activation: 'sigmoid' });
    expect(architectureText(net)).toBe(ARCH);
    const r = resolveNetwork(config.model).layers;
    expect(r.map((l) => l.act)).toEqual(['tanh', 'identity', 'relu', 'identity', 'sigmoid', 'relu', 'identity']);
    expect(r.map((l) => l.prevAct)).toEqual(['identity', 'tanh', 'identity', 'relu', 'identity', 'sigmoid', 'relu']);
  });

  const bad: [string, RegExp][] = [
    ['1x28x28-pool2:relu-10', /token "pool2:relu": a maxpool layer has no activation of its own/],
    ['784-30:swish-10', /token "30:swish": "swish" is not an activation/],
    ['784-30:relu:tanh-10', /token "30:relu:tanh": a layer takes one activation after a colon/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => expect(() => parseNetwork(text)).toThrow(message));
  }
});

const pair = trainerPairs(400, 40);

describe('per-layer activations, GPU vs CPU', () => {
  it('one step with fused SGD: every feature map, activation, gradient and updated parameter', async () => {
    const { gpu, cpu } = await pair(config);
    await compareOneStep(gpu, cpu);
  });
  it('one step with Adam, gradients stored', async () => {
    const { gpu, cpu } = await pair({ ...config, optimizer: 'adam', lr: 1e-3 });
    await compareOneStep(gpu, cpu);
  });
});

describe('per-layer activations learn', () => {
  it('a short CPU run: the loss of the last epoch is well below the first', async () => {
    const t = new CpuTrainer({ ...config, optimizer: 'adam', lr: 3e-3 }, syntheticSplit(400, 3), syntheticSplit(40, 4));
    const first = await t.trainEpoch();
    let last = first;
    for (let e = 0; e < 3; e++) last = await t.trainEpoch();
    expect(last.trainLoss).toBeLessThan(0.8 * first.trainLoss);
  });
});
