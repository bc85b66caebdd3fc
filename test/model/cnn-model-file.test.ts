/**
 * Convolutional models in safetensors: tensors in PyTorch's layouts (Conv2d weight
 * (OC, IC, KH, KW); the first Linear after the convolutions reading PyTorch's flatten order
 * (C, H, W)), so that a forward pass written against the file the way torch.nn computes it
 * (NCHW) gives the engine's outputs; save → load restores the parameters exactly.
 */
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { initParams } from '../../src/model/init.ts';
import { loadModel, saveModel } from '../../src/model/model-file.ts';
import { readSafetensors } from '../../src/model/safetensors.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { type ModelSpec } from '../../src/model/spec.ts';
import { PRESETS } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { syntheticSplit } from '../helpers/splits.ts';
import { denseSizes } from '../helpers/sizes.ts';

const spec: ModelSpec = { ...PRESETS.lenet5.model, ...parseNetwork('1x12x10-conv3k3p1-pool2-conv5k3x2s2-7-4') };

/** torch.nn semantics, NCHW, straight from the file's tensors: Conv2d, ReLU, MaxPool2d, Flatten, Linear. */
function torchForward(t: Map<string, { shape: number[]; data: Float32Array }>, image: Float32Array, channels = 1): number[] {
  let x = { c: channels, h: 12, w: 10, v: Array.from(image) }; // NCHW with N = 1
  const conv = (l: number, stride: number, pad: number) => {
    const W = t.get(`layers.${l}.weight`)!;
    const b = t.get(`layers.${l}.bias`)!.data;
    const [OC, IC, KH, KW] = W.shape;
    const oh = Math.floor((x.h + 2 * pad - KH) / stride) + 1;
    const ow = Math.floor((x.w + 2 * pad - KW) / stride) + 1;
    const v: number[] = [];
    for (let o = 0; o < OC; o++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let s = b[o];
          for (let c = 0; c < IC; c++) {
            for (let i = 0; i < KH; i++) {
              for (let j = 0; j < KW; j++) {
                const iy = y * stride - pad + i;
                const ix = xx * stride - pad + j;
                if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) s += x.v[(c * x.h + iy) * x.w + ix] * W.data[((o * IC + c) * KH + i) * KW + j];
              }
            }
          }
          v.push(Math.max(0, s));
        }
      }
    }
    x = { c: OC, h: oh, w: ow, v };
  };
  const pool = (k: number) => {
    const oh = Math.floor(x.h / k);
    const ow = Math.floor(x.w / k);
    const v: number[] = [];
    for (let c = 0; c < x.c; c++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let m = -Infinity;
          for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, x.v[(c * x.h + y * k + i) * x.w + xx * k + j]);
          v.push(m);
        }
      }
    }
    x = { c: x.c, h: oh, w: ow, v };
  };
  conv(0, 1, 1);
  pool(2);
  conv(1, 2, 0);
  let h = x.v; // nn.Flatten: (C, H, W) order
  for (const [l, relu] of [[2, true], [3, false]] as const) {
    const W = t.get(`layers.${l}.weight`)!; // (in, out): y = x·W + b (nn.Linear's weight is its transpose)
    const b = t.get(`layers.${l}.bias`)!.data;
    const [C, OC] = W.shape;
    const out: number[] = [];
    for (let o = 0; o < OC; o++) {
      let s = b[o];
      for (let c = 0; c < C; c++) s += h[c] * W.data[c * OC + o];
      out.push(relu ? Math.max(0, s) : s);
    }
    h = out;
  }
  return h;
}

describe('convolutional model files', () => {
  for (const channels of [1, 3]) {
    it(`hold PyTorch layouts: a torch.nn-style NCHW forward pass over the file gives the engine's logits (${channels} input channel${channels > 1 ? 's' : ''})`, async () => {
      const net: ModelSpec = { ...spec, input: { ...spec.input, channels } };
      const { params } = initParams(net, 7);
      // Non-zero biases, so that every tensor's placement matters.
      const layout = paramLayout(net);
      for (const b of layout.layers) for (let o = 0; o < b.OC; o++) params[b.offset + b.weights + o] = 0.01 * (o + 1);
      const file = readSafetensors(saveModel(net, params));
      expect(file.tensors.get('layers.0.weight')!.shape).toEqual([3, channels, 3, 3]);
      expect(file.tensors.get('layers.1.weight')!.shape).toEqual([5, 3, 3, 2]);
      expect(file.tensors.get('layers.2.weight')!.shape).toEqual([denseSizes(net)[0], 7]);

      // Colour images arrive channel-planar (C×H×W), as torch takes them.
      const images = syntheticSplit(3, 4, 12, 10, 4, channels);
      const trainer = new CpuTrainer({ ...PRESETS.lenet5, model: net, batch: 1 }, images, images);
      await trainer.setParams(params);
      const logits = await trainer.logits(images);
      const P = channels * 120;
      for (let n = 0; n < 3; n++) {
        const image = Float32Array.from(images.images.subarray(n * P, (n + 1) * P), (v) => v / 255);
        expectClose(`logits of image ${n}`, logits.subarray(n * 4, (n + 1) * 4), torchForward(file.tensors, image, channels), { atol: 1e-5, rtol: 1e-5 });
      }
    });
  }

  it('a dense layer on a colour image reads it in PyTorch\'s flatten order (C, H, W)', async () => {
    const net: ModelSpec = { ...spec, ...parseNetwork('3x4x5-6-3') };
    const { params } = initParams(net, 5);
    const file = readSafetensors(saveModel(net, params));
    const W = file.tensors.get('layers.0.weight')!;
    const b = file.tensors.get('layers.0.bias')!.data;
    const W1 = file.tensors.get('layers.1.weight')!.data;
    const b1 = file.tensors.get('layers.1.bias')!.data;
    expect(W.shape).toEqual([60, 6]);
    const images = syntheticSplit(2, 9, 4, 5, 3, 3);
    const trainer = new CpuTrainer({ ...PRESETS.lenet5, model: net, batch: 1 }, images, images);
    await trainer.setParams(params);
    const logits = await trainer.logits(images);
    for (let n = 0; n < 2; n++) {
      const x = Array.from(images.images.subarray(n * 60, (n + 1) * 60), (v) => v / 255); // nn.Flatten of (3, 4, 5)
      const h = Array.from({ length: 6 }, (_, o) => Math.max(0, x.reduce((s, v, c) => s + v * W.data[c * 6 + o], b[o])));
      const want = Array.from({ length: 3 }, (_, o) => h.reduce((s, v, c) => s + v * W1[c * 3 + o], b1[o]));
      expectClose(`logits of image ${n}`, logits.subarray(n * 3, (n + 1) * 3), want, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('save → load restores every parameter bit for bit (the padding rows stay 0)', () => {
    const { params } = initParams(spec, 3);
    const back = loadModel(saveModel(spec, params));
    expect(back.spec).toEqual(spec);
    expect(Array.from(back.params)).toEqual(Array.from(params));
  });

  it('refuses a file whose convolution spec was edited into an impossible network', () => {
    const bytes = saveModel(spec, initParams(spec, 3).params);
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const changed = header.replace(/(kh\\?":)3(,\\?"kw\\?":2)/, '$19$2');
    expect(changed).not.toBe(header);
    const edited = bytes.slice();
    edited.set(new TextEncoder().encode(changed), 8);
    expect(() => loadModel(edited)).toThrow(/does not describe a valid convolutional network/);
  });
});
