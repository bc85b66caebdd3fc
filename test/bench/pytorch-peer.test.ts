/**
 * The PyTorch peer without PyTorch: the skip path (torch absent → a row with the reason, no
 * failure), the checks on what pytorch.py prints, and pytorch.py --check (config and data,
 * read by Python, agreeing with the TypeScript loader).
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatPeers } from '../../bench/peers.ts';
import {
  allCoresSuffix, allCoresThreads, detectTorch, formatPytorch, parsePytorchOutput, PYTORCH_SCRIPT, pytorchJob, pytorchPeerRows, runPytorch, type PytorchRun,
} from '../../bench/peers/run-pytorch.ts';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { holdOut } from '../../src/data/dataset.ts';
import { denseNetwork } from '../../src/model/arch.ts';

const exec = promisify(execFile);
const DATA = process.env.WGTRAIN_MNIST_DIR ?? '../shared/data/mnist';
const hasPython = spawnSync('python3', ['--version']).status === 0;

/** An interpreter whose `import torch` fails as Python's does when torch is not installed. */
function pythonWithoutTorch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgtrain-python-'));
  const file = join(dir, 'python3');
  writeFileSync(file, [
    '#!/bin/sh',
    "echo 'Traceback (most recent call last):' >&2",
    'echo \'  File "<string>", line 1, in <module>\' >&2',
    "echo \"ModuleNotFoundError: No module named 'torch'\" >&2",
    'exit 1',
  ].join('\n'));
  chmodSync(file, 0o755);
  return file;
}

describe('the PyTorch peer without torch', () => {
  it('is skipped with the exception line as the reason, and the peers table shows it', async () => {
    const python = pythonWithoutTorch();
    const run = await runPytorch(pytorchJob('lecun', DATA, true), python);
    expect(run).toEqual({
      status: 'skipped',
      reason: `PyTorch not installed (${python} -c 'import torch' failed: ModuleNotFoundError: No module named 'torch')`,
    });
    const rows = pytorchPeerRows(run, 100);
    expect(rows).toEqual([{ name: 'PyTorch', samplesPerSecond: null, note: `skipped: ${run.status === 'skipped' && run.reason}` }]);
    const text = formatPeers([{ name: 'wgtrain GPU', samplesPerSecond: 1000, note: '' }, ...rows]);
    expect(text).toMatch(/\| PyTorch +\| +- \| +- \| skipped: PyTorch not installed .*No module named 'torch'\) \|/);
    expect(formatPytorch(run)).toContain("PyTorch: skipped: PyTorch not installed");
  });

  it('names a missing interpreter', async () => {
    const check = await detectTorch('/nonexistent/python3');
    expect(check).toEqual({ ok: false, reason: "PyTorch not installed (/nonexistent/python3 -c 'import torch' failed: /nonexistent/python3: not found)" });
  });

  const torchImports = spawnSync('python3', ['-c', 'import torch']).status === 0;
  it.skipIf(torchImports || !hasPython)('is skipped on this machine, whose python3 has no torch', async () => {
    const run = await runPytorch(pytorchJob('lecun', DATA, true), 'python3');
    expect(run.status).toBe('skipped');
    expect(run.status === 'skipped' && run.reason).toMatch(/^PyTorch not installed \(python3 -c 'import torch' failed: \w+Error: .*torch/);
  });
});

describe('parsePytorchOutput', () => {
  const measured = { mode: 'eager', batch: 100, samplesPerSecond: 5000, rates: [5000], steps: 500, epochs: 1, warmupSteps: 20, seconds: 10, valAccuracy: 0.95, valLoss: 0.2 };
  const result = {
    peer: 'pytorch', torch: '2.11.0', device: 'cpu', deviceName: 'cpu', train: 50000, val: 10000, note: 'n',
    rows: [measured, { mode: 'graph', batch: 100, skipped: 'CUDA graphs need a CUDA device' }],
  };
  const line = (o: unknown) => `torch says hello\n${JSON.stringify(o)}\n`;

  it('takes the last line as the result', () => {
    expect(parsePytorchOutput(line(result))).toEqual(result);
  });

  it.each([
    ['nothing', '', /^PyTorch peer: printed nothing on stdout$/],
    ['a partial line', '{"peer": "pytorch", "rows": [{"mode": "eag', /^PyTorch peer: its last line of output is not JSON: \{"peer"/],
    ['another peer', line({ peer: 'tfjs' }), /^PyTorch peer: expected a result \{"peer": "pytorch"/],
    ['its error', line({ peer: 'pytorch', error: "ConfigError: config.model.loss 'hinge' is not one of …" }), /^PyTorch peer: ConfigError: config.model.loss 'hinge'/],
    ['no rows', line({ ...result, rows: [] }), /^PyTorch peer: the result has no rows$/],
    ['no torch version', line({ ...result, torch: undefined }), /^PyTorch peer: the result has no torch$/],
    ['a row without a rate', line({ ...result, rows: [{ ...measured, samplesPerSecond: undefined }] }), /^PyTorch peer: row 1 \(eager, batch 100\) has no samplesPerSecond/],
    ['an infinite rate', line({ ...result, rows: [{ ...measured, samplesPerSecond: 'Infinity' }] }), /row 1 \(eager, batch 100\) has no samplesPerSecond/],
    ['an unknown mode', line({ ...result, rows: [{ ...measured, mode: 'jit' }] }), /^PyTorch peer: row 1 \(jit, batch 100\): mode must be one of eager, graph$/],
    ['an accuracy over 1', line({ ...result, rows: [{ ...measured, valAccuracy: 95 }] }), /row 1 \(eager, batch 100\): valAccuracy is not in \[0, 1\]/],
  ])('refuses %s, naming the peer', (_, stdout, message) => {
    expect(() => parsePytorchOutput(stdout)).toThrow(message);
  });

  it('gives the peers table one row per mode at the batch, with the skip or accuracy in the note', () => {
    const run: PytorchRun = { status: 'ran', result: parsePytorchOutput(line(result)), command: 'python3 …' };
    const rows = pytorchPeerRows(run, 100);
    expect(rows.map((r) => [r.name, r.samplesPerSecond])).toEqual([['PyTorch eager loop', 5000], ['PyTorch, whole step in a CUDA graph', null]]);
    expect(rows[0].note).toContain('validation accuracy after it 95.0%');
    expect(rows[1].note).toBe('skipped: CUDA graphs need a CUDA device');
    expect(pytorchPeerRows(run, 1000)).toEqual([]);
  });

  it('runs again on every core where its default threads are fewer, its rows named so', () => {
    const ran = (extra: object): PytorchRun => ({ status: 'ran', result: parsePytorchOutput(line({ ...result, ...extra })), command: '' });
    expect(allCoresThreads(ran({ threads: 1 }), 2)).toBe(2);
    expect(allCoresThreads(ran({ threads: 2 }), 2)).toBeNull();
    expect(allCoresThreads(ran({}), 2)).toBeNull(); // an older result without threads
    expect(allCoresThreads(ran({ threads: null, device: 'cuda', deviceName: 'NVIDIA H100' }), 16)).toBeNull();
    expect(allCoresThreads({ status: 'skipped', reason: 'no torch' }, 2)).toBeNull();
    const rows = pytorchPeerRows(ran({ threads: 2 }), 100, allCoresSuffix(2));
    expect(rows.map((r) => r.name)).toEqual(['PyTorch eager loop, all 2 cores', 'PyTorch, whole step in a CUDA graph, all 2 cores']);
    expect(pytorchPeerRows({ status: 'skipped', reason: 'no torch' }, 100, allCoresSuffix(2))[0].name).toBe('PyTorch, all 2 cores');
  });

  it('lays the batch sizes side by side, beside wgtrain GPU at the same batch', () => {
    const run: PytorchRun = { status: 'ran', result: parsePytorchOutput(line({ ...result, rows: [...result.rows, { ...measured, batch: 1000, samplesPerSecond: 20000, valAccuracy: 0.9 }] })), command: '' };
    const text = formatPytorch(run, [{ batch: 100, gpu: 11468, gpuRange: [11000, 12000], cpu: 1800, gpuValAccuracy: 0.9 }]);
    expect(text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| trainer'))).toEqual([
      expect.stringMatching(/^\| wgtrain GPU +\| +11468 \| +\|$/),
      expect.stringMatching(/^\| PyTorch eager loop +\| +5000 \(95\.0%\) \| +20000 \(90\.0%\) \|$/),
      expect.stringMatching(/^\| PyTorch, whole step in a CUDA graph +\| skipped: CUDA graphs need a CUDA device \| +\|$/),
    ]);
  });
});

describe.skipIf(!hasPython)('pytorch.py --check (python3 without torch)', () => {
  const check = async (job: object) => {
    try {
      const { stdout } = await exec('python3', [PYTORCH_SCRIPT, '--check', '--config', JSON.stringify(job)]);
      return JSON.parse(stdout.trim());
    } catch (e) {
      return JSON.parse((e as { stdout: string }).stdout.trim());
    }
  };

  it('reads the same split as the bench: the last 10,000 held out, the same validation labels', async () => {
    const { train } = await loadIdxDataset(DATA);
    const split = holdOut(train, 10000);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < split.val.count; i++) counts[split.val.labels[i]]++;
    const out = await check(pytorchJob('lecun', DATA, true));
    expect(out).toEqual({
      peer: 'pytorch', check: true, train: split.train.count, val: split.val.count, pixels: 784, classes: 10, valLabelCounts: counts, optimizer: 'sgd',
    });
  });

  it('accepts the other presets: nielsen (quadratic cost) and the convolutional ones', async () => {
    for (const preset of ['nielsen', 'lenet5', 'cnn'] as const) {
      const out = await check(pytorchJob(preset, DATA, true, { images: 5000 }));
      expect(out, preset).toMatchObject({ check: true, train: 5000 });
    }
  });

  it('refuses a config it cannot run, naming the field', async () => {
    const job = pytorchJob('lecun', DATA, true);
    const cases: [object, RegExp][] = [
      [{ ...job, config: { ...job.config, model: { ...job.config.model, loss: 'hinge' } } }, /config\.model\.loss 'hinge' is not one of/],
      [{ ...job, config: { ...job.config, model: { ...job.config.model, ...denseNetwork([784, 300, 7]) } } }, /the network has 7 outputs but the data has 10 classes/],
      [{ ...job, batches: [0] }, /every batch size must be a whole number >= 1/],
      [{ ...job, modes: ['jit'] }, /modes \['jit'\]/],
      [{ ...job, threads: 0 }, /threads must be a whole number >= 1/],
      [{ ...job, data: '/nonexistent' }, /\/nonexistent has no train-images-idx3-ubyte\(\.gz\)/],
    ];
    for (const [bad, message] of cases) {
      const out = await check(bad);
      expect(out.peer).toBe('pytorch');
      expect(out.error).toMatch(message);
    }
  });
});
