/**
 * --augment and its ranges: what they set, what they refuse, what a resumed run may not
 * change, and a CPU run that says it augments and records it in the saved model's metadata.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromFlags, resumeConfig } from '../../src/cli/options.ts';
import { loadModel } from '../../src/model/model-file.ts';
import type { Checkpoint } from '../../src/train/checkpoint.ts';
import { AFFINE_DEFAULTS, ELASTIC_DEFAULTS, PRESETS } from '../../src/train/config.ts';
import { wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';

describe('--augment options', () => {
  it('sets the kinds with their defaults, overrides the ranges given, and none turns it off', () => {
    expect(configFromFlags({}).augment).toBeUndefined();
    expect(configFromFlags({ augment: 'affine' }).augment).toEqual({ affine: AFFINE_DEFAULTS });
    expect(configFromFlags({ augment: 'elastic', elasticAlpha: '20' }).augment).toEqual({ elastic: { ...ELASTIC_DEFAULTS, alpha: 20 } });
    expect(configFromFlags({ augment: 'affine,elastic', rotate: '5', scale: '0.2', shear: '0', shift: '3', elasticSigma: '6' }).augment).toEqual({
      affine: { rotate: 5, scale: 0.2, shear: 0, shift: 3 }, elastic: { ...ELASTIC_DEFAULTS, sigma: 6 },
    });
    const base = { ...PRESETS.lecun, augment: { affine: AFFINE_DEFAULTS } };
    expect(configFromFlags({ rotate: '20' }, base).augment).toEqual({ affine: { ...AFFINE_DEFAULTS, rotate: 20 } });
    expect(configFromFlags({ augment: 'none' }, base).augment).toBeUndefined();
  });

  it('refuses unknown kinds, ranges for a kind not in use, and bad numbers, saying what to do', () => {
    expect(() => configFromFlags({ augment: 'blur' })).toThrow('Unknown augmentation "blur": choose one of affine, elastic, none.');
    expect(() => configFromFlags({ augment: 'none,affine' })).toThrow('"none" cannot be combined');
    expect(() => configFromFlags({ rotate: '10', shift: '1' })).toThrow(
      "--rotate, --shift set the affine augmentation's range, and this run does not use it: add --augment affine (or affine,elastic).",
    );
    expect(() => configFromFlags({ augment: 'affine', elasticSigma: '3' })).toThrow('add --augment elastic');
    expect(() => configFromFlags({ augment: 'affine', rotate: 'ten' })).toThrow('--rotate must be a decimal number, got "ten".');
  });

  it('a resumed run keeps its augmentation and refuses another', () => {
    const saved = { config: { ...PRESETS.lecun, augment: { elastic: ELASTIC_DEFAULTS } }, state: { epoch: 1, rng: [] } } as unknown as Checkpoint;
    expect(resumeConfig(saved, {}, 'ckpt').augment).toEqual({ elastic: ELASTIC_DEFAULTS });
    expect(() => resumeConfig(saved, { augment: 'affine' }, 'ckpt')).toThrow(
      'Cannot resume the run in ckpt with other settings: --augment {"affine":{"rotate":12,"scale":0.1,"shear":8,"shift":2}} (the checkpoint has {"elastic":{"sigma":4,"alpha":34}})',
    );
    expect(() => resumeConfig({ ...saved, config: PRESETS.lecun }, { augment: 'elastic' }, 'ckpt')).toThrow('(the checkpoint has none)');
  });
});

describe('wgtrain train --augment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wgtrain-augment-'));
    await writeSyntheticIdx(dir, 600);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says what it augments and records it in the model file', async () => {
    const out = join(dir, 'model.safetensors');
    const r = await wgtrainHere(
      'train', '--data', dir, '--arch', '64-16-10', '--validation', '200', '--epochs', '1', '--batch', '20', '--device', 'cpu',
      '--augment', 'affine,elastic', '--shift', '1', '--elastic-sigma', '1', '--elastic-alpha', '2', '--out', out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('augmentation: affine (rotation ±12°, scale ±10%, shear ±8°, shift ±1 px), elastic (σ 1, α 2) (training images only)');
    const saved = loadModel(new Uint8Array(await readFile(out)));
    expect(JSON.parse(saved.metadata.augment)).toEqual({ affine: { ...AFFINE_DEFAULTS, shift: 1 }, elastic: { sigma: 1, alpha: 2 } });
  });
});
