import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/model/layout.ts';
import { loadModel, MODEL_FORMAT, saveModel } from '../../src/model/model-file.ts';
import { SafetensorsError, writeSafetensors } from '../../src/model/safetensors.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { attempt, MEMORY_LIMIT } from '../data/mutate.ts';
import { wgtrainHere } from '../helpers/cli.ts';
import { editHeader, joinFile, modelFile, params, SPEC, splitFile, withSpec } from './model-bytes.ts';
import { denseNetwork } from '../../src/model/arch.ts';
import { denseSizes } from '../helpers/sizes.ts';

function expectRefusal(bytes: Uint8Array, pattern: RegExp): SafetensorsError {
  const r = attempt(() => loadModel(bytes));
  expect(r.growth).toBeLessThan(MEMORY_LIMIT);
  expect(r.error).toBeInstanceOf(SafetensorsError);
  const message = (r.error as Error).message;
  expect(message).toMatch(/^invalid safetensors file: /);
  expect(message).toMatch(pattern);
  return r.error as SafetensorsError;
}

describe('saveModel → loadModel', () => {
  const specs: ModelSpec[] = [
    SPEC,
    { ...denseNetwork([784, 30, 10]), activation: 'sigmoid', loss: 'quadratic', outputActivation: 'sigmoid', init: 'normal' },
    { ...denseNetwork([5, 1]), activation: 'step', loss: 'quadratic', outputActivation: 'identity', init: 'he' },
    { ...denseNetwork([3, 7, 5, 4, 2]), activation: 'softplus', loss: 'cross-entropy', outputActivation: 'tanh', init: 'xavier' },
  ];
  for (const spec of specs) {
    it(`round-trips ${denseSizes(spec).join('-')} with its spec, every parameter and the notes`, () => {
      const p = params(spec);
      const saved = loadModel(saveModel(spec, p, { epochs: '3', dataset: 'mnist ✓' }));
      expect(saved.spec).toEqual(spec);
      expect(saved.layout).toEqual(paramLayout(spec));
      expect(saved.params).toEqual(p);
      expect(saved.metadata).toMatchObject({ epochs: '3', dataset: 'mnist ✓', format: MODEL_FORMAT, spec: JSON.stringify(spec) });
    });
  }

  it('stores W as (C, OC) and b as (OC) under layers.N', () => {
    const { header } = splitFile(modelFile());
    expect(Object.keys(header).sort()).toEqual(['__metadata__', 'layers.0.bias', 'layers.0.weight', 'layers.1.bias', 'layers.1.weight']);
    expect(header['layers.0.weight']).toMatchObject({ dtype: 'F32', shape: [4, 3] });
    expect(header['layers.1.bias']).toMatchObject({ dtype: 'F32', shape: [2] });
  });
});

describe('loadModel refusals', () => {
  const good = modelFile();

  it('a bad header: absurd length, past the end, not JSON, not an object', () => {
    const absurd = good.slice();
    new DataView(absurd.buffer).setBigUint64(0, 2n ** 40n, true);
    expectRefusal(absurd, /header length 1099511627776 is absurd/);
    const past = good.slice();
    new DataView(past.buffer).setUint32(0, good.length, true);
    expectRefusal(past, new RegExp(`header length ${good.length} goes past the end of the ${good.length}-byte file`));
    expectRefusal(joinFile('{"layers.0.weight": {', new Uint8Array(0)), /header is not valid JSON/);
    expectRefusal(joinFile([1, 2], new Uint8Array(0)), /header must be a JSON object, got an array/);
    expectRefusal(good.subarray(0, 6), /only 6 bytes/);
  });

  it('data offsets out of range', () => {
    const bytes = editHeader(good, (h) => {
      (h['layers.1.bias'] as { data_offsets: number[] }).data_offsets = [1_000_000, 1_000_008];
    });
    expectRefusal(bytes, /truncated: tensor 'layers\.1\.bias' ends at data offset 1000008 but only 92 bytes of data follow the header/);
    const overlapping = editHeader(good, (h) => {
      (h['layers.0.bias'] as { data_offsets: number[] }).data_offsets = [0, 12];
    });
    expectRefusal(overlapping, /tensors '.*' \[0, \d+\) and '.*' \[0, \d+\) overlap/);
  });

  it('a dtype other than F32', () => {
    const bytes = editHeader(good, (h) => {
      (h['layers.0.weight'] as { dtype: string }).dtype = 'F16';
    });
    expectRefusal(bytes, /tensor 'layers\.0\.weight' has dtype "F16"; only F32 is supported/);
  });

  it('shapes that do not match the architecture, naming both', () => {
    const transposed = saveModel({ ...SPEC, ...denseNetwork([4, 3, 2]) }, params());
    const bytes = editHeader(transposed, (h) => {
      (h['layers.0.weight'] as { shape: number[] }).shape = [3, 4];
    });
    expectRefusal(bytes, /tensor layers\.0\.weight has shape \[3, 4\], but architecture 4-3-2 needs \[4, 3\]/);
    // The same tensors under a spec that claims other sizes.
    expectRefusal(withSpec(good, { ...SPEC, sizes: [4, 5, 2] }), /tensor layers\.0\.weight has shape \[4, 3\], but architecture 4-5-2 needs \[4, 5\]/);
  });

  it('a spec claiming a huge network is refused on shapes, before its parameters are allocated', () => {
    expectRefusal(withSpec(good, { ...SPEC, sizes: [2 ** 20, 2 ** 20, 2] }), /architecture 1048576-1048576-2 needs \[1048576, 1048576\]/);
    expectRefusal(withSpec(good, { ...SPEC, sizes: [4, 3, 2 ** 40] }), /tensor layers\.1\.weight has shape \[3, 2\], but architecture 4-3-1099511627776 needs/);
  });

  it('a truncated body', () => {
    expectRefusal(good.subarray(0, good.length - 5), /truncated: tensor 'layers\.1\.bias' ends at data offset 92 but only 87 bytes of data follow the header/);
  });

  it('missing and extra tensors', () => {
    const p = params();
    const layout = paramLayout(SPEC);
    const b = layout.layers;
    const tensors = [
      { name: 'layers.0.weight', shape: [4, 3], data: p.slice(0, 12) },
      { name: 'layers.0.bias', shape: [3], data: p.slice(12, 15) },
      { name: 'layers.1.weight', shape: [3, 2], data: p.slice(b[1].offset, b[1].offset + 6) },
      { name: 'layers.1.bias', shape: [2], data: p.slice(b[1].offset + 6, b[1].offset + 8) },
    ];
    const metadata = { format: MODEL_FORMAT, spec: JSON.stringify(SPEC) };
    expectRefusal(writeSafetensors(tensors.slice(0, 3), metadata), /tensor layers\.1\.bias is missing for architecture 4-3-2/);
    const extra = [...tensors, { name: 'layers.2.weight', shape: [1], data: new Float32Array(1) }, { name: 'layers.01.bias', shape: [2], data: new Float32Array(2) }];
    expectRefusal(writeSafetensors(extra, metadata), /unexpected tensors for architecture 4-3-2: layers\.2\.weight, layers\.01\.bias$/);
  });

  it('a spec that is not a network', () => {
    const notNetwork = /the "spec" metadata does not describe a network/;
    expectRefusal(withSpec(good, { ...SPEC, sizes: [784] }), notNetwork);
    expectRefusal(withSpec(good, { ...SPEC, sizes: [4, 0, 2] }), notNetwork);
    expectRefusal(withSpec(good, { ...SPEC, sizes: [4, 2.5, 2] }), notNetwork);
    expectRefusal(withSpec(good, { ...SPEC, sizes: '4-3-2' }), notNetwork);
    expectRefusal(withSpec(good, { ...SPEC, activation: 'swish' }), notNetwork);
    expectRefusal(withSpec(good, { ...SPEC, loss: 'hinge' }), notNetwork);
    expectRefusal(withSpec(good, { sizes: [4, 3, 2] }), notNetwork);
    expectRefusal(withSpec(good, null), notNetwork);
    expectRefusal(withSpec(good, 42), notNetwork);
    expectRefusal(withSpec(good, '{"sizes": [4, 3'), /the "spec" metadata is not valid JSON/);
  });

  it('a safetensors file that wgtrain did not write', () => {
    const foreign = writeSafetensors([{ name: 'w', shape: [2], data: new Float32Array(2) }], {});
    expectRefusal(foreign, /the metadata has no "format", expected "wgtrain": this is not a wgtrain model/);
    const other = editHeader(good, (h) => {
      h.__metadata__!.format = 'pt';
    });
    expectRefusal(other, /the metadata has format "pt", expected "wgtrain"/);
    const noSpec = editHeader(good, (h) => {
      delete h.__metadata__!.spec;
    });
    expectRefusal(noSpec, /no "spec" in the metadata: this file was not written by wgtrain/);
  });
});

describe('wgtrain eval on a damaged model file', () => {
  it('exits with status 1 and prints "wgtrain: <model>: invalid safetensors file: <problem>", leaving the file as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgtrain-model-'));
    try {
      const path = join(dir, 'model.safetensors');
      const damaged = modelFile().subarray(0, modelFile().length - 5);
      await writeFile(path, damaged);
      const r = await wgtrainHere('eval', path, '--data', join(dir, 'no-data'), '--device', 'cpu');
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd()).toBe(
        `wgtrain: ${path}: invalid safetensors file: truncated: tensor 'layers.1.bias' ends at data offset 92 but only 87 bytes of data follow the header`,
      );
      expect(new Uint8Array(await readFile(path))).toEqual(damaged);
      expect(await readdir(dir)).toEqual(['model.safetensors']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
