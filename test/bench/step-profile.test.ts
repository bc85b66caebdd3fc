/**
 * bench/step-profile.ts (`npm run bench -- --only steps`): one step taken apart names every
 * dispatch of the trainer's step program, in order, with a time, and its table lists each
 * of them, their sum and the whole step.
 */
import { beforeAll, expect, it } from 'vitest';
import { formatStepProfile, stepProfile, type StepProfile } from '../../bench/step-profile.ts';
import { parseNetwork } from '../../src/model/arch.ts';
import { PRESETS } from '../../src/train/config.ts';
import { testGpu } from '../helpers/gpu.ts';
import { syntheticSplit } from '../helpers/splits.ts';

let profile: StepProfile;
beforeAll(async () => {
  // LeNet-5 at batch 8 on 14×14 images: every role of a convolutional step, quickly.
  const config = { ...PRESETS.lenet5, batch: 8, model: { ...PRESETS.lenet5.model, ...parseNetwork('1x14x14-conv6k5p2-pool2-conv16k5-pool2-120-84-10') } };
  profile = await stepProfile(await testGpu(), 'lenet5 (14×14)', config, syntheticSplit(32, 1, 14, 14), syntheticSplit(16, 2, 14, 14));
}, 120_000);

it('times every dispatch of the step, in the order the step runs them', () => {
  const labels = profile.parts.map((p) => p.label);
  expect(labels[0]).toMatch(/gather/);
  const at = (re: RegExp) => labels.findIndex((l) => re.test(l));
  // Forward before backward, the output layer's backward before the first convolution's, the update last.
  expect(at(/conv 1 /)).toBeGreaterThan(0);
  expect(at(/conv 2 backward input/)).toBeGreaterThan(at(/conv 2 \[|train conv 2/));
  expect(at(/conv 1 backward weight/)).toBeGreaterThan(at(/conv 2 backward input/));
  expect(labels.at(-1)).toMatch(/adam/i);
  for (const p of profile.parts) expect(p.ms).toBeGreaterThan(0);
  expect(profile.stepMs).toBeGreaterThan(0);
  expect(profile.batch).toBe(8);
});

it('prints each dispatch, the sum of the parts and the whole step', () => {
  const text = formatStepProfile(profile);
  for (const p of profile.parts) expect(text).toContain(p.label);
  expect(text).toContain('sum of the dispatches timed alone');
  expect(text).toContain('the whole step timed as one');
  expect(text).toMatch(/^lenet5 \(14×14\) \(batch 8\): \d+ samples\/s from the whole step/);
});
