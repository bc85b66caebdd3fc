/**
 * `wgtrain train --matmul subgroup` as a user runs it, on the test adapter: without the
 * `subgroups` feature (llvmpipe) it stops before training, saying what the adapter lacks and
 * which variants to use; with it (SwiftShader) it trains.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { wgtrain, wgtrainHere, writeSyntheticIdx } from '../helpers/cli.ts';
import { TEST_ADAPTER, testGpu } from '../helpers/gpu.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgtrain-subgroup-cli-'));
  await writeSyntheticIdx(dir, 600);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const hasSubgroups = (await testGpu()).hasSubgroups;
const args = () => ['train', '--data', dir, '--arch', '64-16-10', '--validation', '100', '--epochs', '1', '--batch', '20', '--no-out'];

it.skipIf(hasSubgroups)(`refuses --matmul subgroup on an adapter without subgroups, naming the alternatives ${hasSubgroups ? `(skipped: ${TEST_ADAPTER} has subgroups)` : `(${TEST_ADAPTER})`}`, async () => {
  const r = await wgtrain(...args(), '--adapter', TEST_ADAPTER, '--matmul', 'subgroup');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/The subgroup matmul variant needs the WebGPU feature `subgroups`, which this adapter lacks \(.*\): use --matmul auto or one of naive, blocked, vec4, tiled, tiled32\./);
});

it.skipIf(!hasSubgroups)(`trains with --matmul subgroup on an adapter with subgroups ${hasSubgroups ? `(${TEST_ADAPTER})` : `(skipped: ${TEST_ADAPTER} lacks them)`}`, async () => {
  const r = await wgtrain(...args(), '--adapter', TEST_ADAPTER, '--matmul', 'subgroup');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

it('lists subgroup among --matmul choices', async () => {
  const r = await wgtrainHere('train', '--help');
  expect(r.stdout).toMatch(/--matmul <variant>[\s\S]*"subgroup"/);
});
