/**
 * Convolutional networks from the command line: --arch with convolution and pooling layers,
 * --optimizer adam, the saved model evaluated by `wgtrain eval` on both devices, and bad
 * layer specs refused with the token named before any work starts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model-file.ts';
import { wgtrain, wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER } from '../helpers/gpu.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-cnn-cli-'));
  await writeSyntheticIdx(dir, 1200); // 8×8 images
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wgtrain with convolutional networks', () => {
  it('trains 8x8-conv4k3p1-pool2-16-10 with Adam, saves it, and eval agrees on GPU and CPU', async () => {
    const model = join(dir, 'cnn');
    const r = await wgtrain(
      'train', '--data', dir, '--arch', '8x8-conv4k3p1-pool2-16-10', '--optimizer', 'adam', '--lr', '0.01', '--validation', '200',
      '--epochs', '3', '--batch', '20', '--adapter', TEST_ADAPTER, '--json', '--out', model,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].config.optimizer).toBe('adam');
    expect(lines[0].config.model.layers.filter((l: { type: string }) => l.type !== 'dense')).toHaveLength(2);
    const summary = lines[lines.length - 1];
    expect(summary.valAccuracy).toBeGreaterThan(0.8);

    const saved = loadModel(new Uint8Array(await readFile(`${model}.safetensors`)));
    expect(saved.spec.input).toEqual({ channels: 1, height: 8, width: 8 });
    const accuracy = async (device: string) => {
      // The GPU's in a child: opening a device redirects stderr (src/cli/native-stderr.node.ts).
      const e = await (device === 'gpu' ? wgtrain : wgtrainHere)('eval', `${model}.safetensors`, '--data', dir, '--validation', '200', '--device', device, '--adapter', TEST_ADAPTER, '--json');
      expect(e.code, e.stderr).toBe(0);
      return JSON.parse(e.stdout).accuracy as number;
    };
    const [gpu, cpu] = [await accuracy('gpu'), await accuracy('cpu')];
    expect(gpu).toBeCloseTo(summary.valAccuracy, 6);
    expect(Math.abs(gpu - cpu)).toBeLessThanOrEqual(1 / 200);
  });

  it('refuses a layer whose output would be smaller than 1×1, naming it', async () => {
    const r = await wgtrainHere('train', '--data', dir, '--arch', '8x8-conv4k3-pool2-conv8k5-10', '--device', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/token "conv8k5": its 5×5 window does not fit its 3×3 input/);
  });

  it('refuses an input shape that is not the images\'', async () => {
    const r = await wgtrainHere('train', '--data', dir, '--arch', '28x28-conv4k3-10', '--validation', '200', '--device', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/takes 784 inputs but the images have 64 pixels: start the architecture with 8x8/);
    const wide = await wgtrainHere('train', '--data', dir, '--arch', '4x16-conv4k3-10', '--validation', '200', '--device', 'cpu');
    expect(wide.code).toBe(1);
    expect(wide.stderr).toMatch(/takes 1×4×16 images but the data's are 1×8×8/);
  });
});
