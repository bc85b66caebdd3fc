/**
 * `npm run bench`: the kernel table, training throughput GPU vs CPU across batch sizes, the
 * breakdown of one epoch, and the peers (TensorFlow.js backends, a plain JS loop on the same
 * adapter and data; PyTorch, CPU or CUDA, where `python3 -c "import torch"` works, else a row
 * saying why not); then the convolutional presets (section cnn): their kernel rows, training
 * throughput GPU vs CPU, TF.js and PyTorch on the same networks. On request: `accuracy`
 * (the fast preset's time to 99% beside PyTorch) and `steps` (one step of each convolutional
 * preset taken apart, dispatch by dispatch). Prints aligned tables and writes everything as JSON.
 *
 *   npm run bench -- [--adapter opengl] [--quick] [--only kernels,training,breakdown,peers,cnn]
 *                    [--only accuracy] [--only steps]
 *                    [--data ../shared/data/mnist] [--out bench/results/latest.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { loadIdxDataset } from '../src/data/dataset.node.ts';
import { holdOut, subset } from '../src/data/dataset.ts';
import { adapterName } from '../src/gpu/device.ts';
import { quietDawn } from '../src/cli/native-stderr.node.ts';
import { ADAPTER_CHOICES, openNodeGpu, type AdapterChoice } from '../src/gpu/node-gpu.node.ts';
import { accuracyRace, formatAccuracy } from './accuracy.ts';
import { formatKernelTable, kernelTable } from './kernels.ts';
import { formatStepProfile, presetStepProfile } from './step-profile.ts';
import { CNN_PRESETS } from './cnn-layers.ts';
import { cnnKernelTable, formatCnnKernelTable } from './cnn-kernels.ts';
import { cnnTargets, formatCnnPeers, formatPeers, runCnnPeers, runPeers } from './peers.ts';
import { formatPytorch, pytorchJob, pytorchOnAllCores, pytorchPeerRows, runPytorch } from './peers/run-pytorch.ts';
import {
  breakdown, formatBreakdown, formatPresetThroughput, formatThroughput, presetThroughput, throughput, type NetworkThroughputRow, type ThroughputRow,
} from './training.ts';

const SECTIONS = ['kernels', 'training', 'breakdown', 'peers', 'cnn'] as const;
/** The presets `--only steps` takes apart. */
const STEP_PRESETS = ['lenet5', 'cnn', 'fast'] as const;
/**
 * Asked for by name only: the fast preset's whole recipe beside PyTorch's takes minutes on a
 * software adapter; a step taken apart is a tool for whoever works on the kernels.
 */
const ON_REQUEST = ['accuracy', 'steps'] as const;

const opts = new Command('bench')
  .addOption(new Option('--adapter <adapter>').choices([...ADAPTER_CHOICES]).default('opengl'))
  .option('--quick', 'fewer shapes and batch sizes')
  .option('--only <sections>', `comma-separated: ${SECTIONS.join(',')} (the default: all of them), or ${ON_REQUEST.join(',')}`, SECTIONS.join(','))
  .option('--data <dir>', 'MNIST folder', process.env.WGTRAIN_MNIST_DIR ?? '../shared/data/mnist')
  .option('--out <file>', 'JSON results', 'bench/results/latest.json')
  .option('--verbose', "show what Dawn and the drivers print while looking for adapters")
  .parse()
  .opts();

const only = new Set(String(opts.only).split(','));
const ctx = await quietDawn(() => openNodeGpu(opts.adapter as AdapterChoice), Boolean(opts.verbose));
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  adapter: ctx.adapter,
  // The 1-minute load average at the start: software adapters share the CPU with whatever else runs.
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageAtStart: loadavg()[0] },
};
const say = (text: string) => process.stdout.write(`${text}\n`);
const threads = /llvmpipe/i.test(adapterName(ctx.adapter)) ? `; LP_NUM_THREADS=${process.env.LP_NUM_THREADS}` : '';
say(`wgtrain benchmark on ${adapterName(ctx.adapter)}${threads}; timing: ${ctx.hasTimestamps ? 'timestamp queries' : 'wall clock around onSubmittedWorkDone'}`);
say(`1-minute load average at the start: ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);

if (only.has('kernels')) {
  const rows = await kernelTable(ctx, { quick: Boolean(opts.quick) });
  results.kernels = rows;
  say('\n## Kernels (ms ± sd per call, then GFLOP/s or GB/s)\n');
  say(formatKernelTable(rows));
}

const needsData = only.has('training') || only.has('breakdown') || only.has('peers') || only.has('cnn') || only.has('accuracy') || only.has('steps');
const mnist = needsData ? await loadIdxDataset(String(opts.data)) : null;
const split = mnist ? holdOut(mnist.train, 10000) : null;

if (split && only.has('training')) {
  const batches = opts.quick ? [10, 100, 1000] : [10, 20, 50, 100, 200, 500, 1000];
  // GPU: whole epochs of the 50,000 training images, median of 3 (1 with --quick).
  // CPU: whole epochs of 5,000 (its rate does not depend on N).
  const epochs = opts.quick ? 1 : 3;
  const rows = await throughput(ctx, split.train, subset(split.val, 2000), batches, subset(split.train, 5000), epochs);
  results.training = rows;
  say('\n## Training throughput, lecun preset (784-300-100-10), samples/s\n');
  say(formatThroughput(rows));
  const cross = rows.find((r) => r.gpu > r.cpu);
  const behind = rows.filter((r) => r.gpu <= r.cpu).map((r) => r.batch);
  say(
    !cross
      ? '\nThe GPU did not overtake the CPU reference at these batch sizes.'
      : behind.length === 0
        ? `\nThe GPU beats the CPU reference at every batch size measured, from ${rows[0].batch} up.`
        : `\nThe GPU overtakes the CPU reference from batch ${cross.batch}; it is behind at batch ${behind.join(', ')}.`,
  );
}

if (split && only.has('breakdown')) {
  const b = await breakdown(ctx, split.train, split.val, 100);
  results.breakdown = b;
  say('\n## One epoch taken apart (lecun, batch 100, 50,000 images + 10,000 validation)\n');
  say(formatBreakdown(b));
}

if (only.has('peers')) {
  const peers = await runPeers(String(opts.data), opts.adapter as AdapterChoice, Boolean(opts.quick), results);
  // PyTorch on its own device (CUDA where present, else the CPU): the same network, split and batches.
  const torch = await runPytorch(pytorchJob('lecun', String(opts.data), Boolean(opts.quick)));
  results.pytorch = torch;
  // Its default threads may leave cores idle that llvmpipe uses: then again on all of them.
  const all = await pytorchOnAllCores(torch, pytorchJob('lecun', String(opts.data), Boolean(opts.quick), { batches: [100] }), cpus().length);
  if (all) results.pytorchAllCores = all.run;
  results.peers = [...peers, ...pytorchPeerRows(torch, 100), ...(all?.rows ?? [])];
  say('\n## Peers, same network, data and adapter\n');
  say(formatPeers(results.peers as typeof peers));
  say('\n## PyTorch on the lecun preset across batch sizes\n');
  say(formatPytorch(torch, results.training as ThroughputRow[] | undefined));
}

if (split && only.has('cnn')) {
  say('\n## Convolutional presets: kernels at their layer shapes (ms ± sd per call, then GFLOP/s or GB/s)\n');
  const rows = await cnnKernelTable(ctx, 100);
  results.cnnKernels = rows;
  say(formatCnnKernelTable(rows, 100));

  // GPU: whole epochs of a subset after a warm-up epoch; CPU: one epoch of a few hundred
  // images (it trains these networks at tens of samples/s on llvmpipe's machine).
  const gpuImages = opts.quick ? 5000 : 10000;
  const epochs = opts.quick ? 1 : 3;
  const cpuImages = opts.quick ? 300 : 500;
  const training: NetworkThroughputRow[] = [];
  for (const preset of CNN_PRESETS) {
    training.push(await presetThroughput(ctx, preset, subset(split.train, gpuImages), subset(split.val, 500), subset(split.train, cpuImages), subset(split.val, 100), epochs));
  }
  results.cnnTraining = training;
  say('\n## Training throughput, convolutional presets (Adam), samples/s\n');
  say(formatPresetThroughput(training));

  const peers = await runCnnPeers(String(opts.data), opts.adapter as AdapterChoice, Boolean(opts.quick), training);
  const torch: Record<string, unknown> = {};
  for (const network of CNN_PRESETS) {
    const job = pytorchJob(network, String(opts.data), Boolean(opts.quick), { batches: [100], images: gpuImages, epochs, warmup: 5 });
    const run = await runPytorch(job);
    torch[network] = run;
    peers.push(...pytorchPeerRows(run, 100).map((row) => ({ network, ...row })));
    const all = await pytorchOnAllCores(run, job, cpus().length);
    if (all) {
      torch[`${network}AllCores`] = all.run;
      peers.push(...all.rows.map((row) => ({ network, ...row })));
    }
  }
  results.cnnPytorch = torch;
  results.cnnPeers = peers;
  say('\n## Peers on the convolutional presets, same network, data and adapter\n');
  say(formatCnnPeers(peers));
  say('');
  for (const line of cnnTargets(peers)) say(line);
}

if (split && only.has('accuracy')) {
  // The fast preset's recipe end to end, wgtrain beside PyTorch, the same 50,000 images and 10,000 validation.
  const race = await accuracyRace(ctx, adapterName(ctx.adapter), 'fast', split.train, split.val, String(opts.data));
  results.accuracy = race;
  say('\n## Time to accuracy: the fast preset, wgtrain beside PyTorch (training seconds, validation excluded)\n');
  say(formatAccuracy(race));
}

if (split && only.has('steps')) {
  say('\n## One step of each convolutional preset, dispatch by dispatch (ms ± sd per call)\n');
  const profiles = [];
  for (const preset of STEP_PRESETS) {
    const p = await presetStepProfile(ctx, preset, split.train, subset(split.val, 100));
    profiles.push(p);
    say(`${formatStepProfile(p)}\n`);
  }
  results.steps = profiles;
}

await mkdir(dirname(String(opts.out)), { recursive: true });
await writeFile(String(opts.out), JSON.stringify(results, null, 1));
say(`\nresults written to ${opts.out}`);
process.exit(0);
