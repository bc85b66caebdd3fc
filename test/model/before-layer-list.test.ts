/**
 * Files written by wgtrain before a network was one list of layers (main at ea6d5f8: specs
 * with dense `sizes`, and `features` + `sizes` for convolutional networks) still load: the
 * model files give the same outputs as they did then, and the checkpoints resume.
 * test/model/fixtures/before-layer-list/generate.mts.txt is the script that wrote them with
 * that version's code, from syntheticSplit(200, 1) and syntheticSplit(20, 2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuTrainer } from '../../src/cpu/trainer.ts';
import { architectureText } from '../../src/model/arch.ts';
import { paramLayout } from '../../src/model/layout.ts';
import { loadModel } from '../../src/model/model-file.ts';
import { readSafetensors } from '../../src/model/safetensors.ts';
import { restoreCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint-format.ts';
import { PRESETS } from '../../src/train/config.ts';
import { expectClose } from '../helpers/compare.ts';
import { syntheticSplit } from '../helpers/splits.ts';

const DIR = join(import.meta.dirname, 'fixtures', 'before-layer-list');
const file = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, { logits: number[] }>;
const train = syntheticSplit(200, 1);
const val = syntheticSplit(20, 2);

const CASES = [
  { name: 'dense', arch: '784-12-10', legacy: { sizes: [784, 12, 10] } },
  { name: 'cnn', arch: '1x28x28-conv3k5p2-pool2-conv4k3s2-pool2p1-12-10', legacy: { sizes: [64, 12, 10] } },
];

describe('files written before the layer list', () => {
  for (const c of CASES) {
    it(`${c.name}: the model file loads as ${c.arch} and computes the outputs it did then`, async () => {
      // The file holds the spec in its old form.
      expect(JSON.parse(readSafetensors(file(`${c.name}.safetensors`)).metadata.spec)).toMatchObject(c.legacy);
      const model = loadModel(file(`${c.name}.safetensors`));
      expect(architectureText(model.spec)).toBe(c.arch);
      const t = new CpuTrainer({ ...PRESETS.lecun, model: model.spec, batch: 1 }, train, val);
      await t.setParams(model.params);
      const logits = await t.logits(val);
      expectClose(`${c.name} logits`, logits.slice(0, expected[c.name].logits.length), Float32Array.from(expected[c.name].logits), { atol: 1e-6, rtol: 1e-6 });
    });

    it(`${c.name}: the checkpoint decodes to today's spec and resumes`, async () => {
      const ck = decodeCheckpoint(file(`${c.name}-checkpoint.safetensors`));
      expect(architectureText(ck.config.model)).toBe(c.arch);
      expect(ck.params.length).toBe(paramLayout(ck.config.model).total);
      const t = new CpuTrainer(ck.config, train, val);
      await restoreCheckpoint(t, ck, ck.data);
      expect(t.epoch).toBe(1);
      const r = await t.trainEpoch();
      expect(r.epoch).toBe(2);
      expect(Number.isFinite(r.trainLoss)).toBe(true);
    });
  }
});
