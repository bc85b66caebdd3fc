/**
 * Soak: hundreds of epochs on a small subset, watching GPU buffers alive, the JS heap
 * (after a forced GC) and resident memory. Long runs must stay flat.
 *
 *   node --expose-gc --import tsx bench/soak.ts [--epochs 300] [--adapter opengl] [--data DIR]
 */
import { Command } from 'commander';
import { loadIdxDataset } from '../src/data/dataset.node.ts';
import { holdOut, subset } from '../src/data/dataset.ts';
import { bufferCensus } from '../src/gpu/buffer-census.ts';
import { quietDawn } from '../src/cli/native-stderr.node.ts';
import { openNodeGpu, type AdapterChoice } from '../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { PRESETS } from '../src/train/config.ts';
import { table } from './table.ts';

const opts = new Command('soak')
  .option('--epochs <n>', 'epochs', '300')
  .option('--adapter <adapter>', 'adapter', 'opengl')
  .option('--data <dir>', 'MNIST folder', process.env.WGTRAIN_MNIST_DIR ?? '../shared/data/mnist')
  .parse()
  .opts();

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc so the heap can be measured after collection.');
const epochs = Number(opts.epochs);
const ds = await loadIdxDataset(String(opts.data));
const { train, val } = holdOut(ds.train, 10000);
const ctx = await quietDawn(() => openNodeGpu(opts.adapter as AdapterChoice));
const census = bufferCensus(ctx.device);
const trainer = await GpuTrainer.create(ctx, { ...PRESETS.lecun, epochs }, subset(train, 1000), subset(val, 500));
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
const rows: string[][] = [];
let first: { heap: number; rss: number; alive: number } | null = null;
for (let e = 1; e <= epochs; e++) {
  await trainer.trainEpoch();
  if (e === 1 || e % Math.max(1, Math.floor(epochs / 10)) === 0 || e === epochs) {
    gc();
    const m = process.memoryUsage();
    first ??= { heap: m.heapUsed, rss: m.rss, alive: census.alive };
    rows.push([String(e), String(census.alive), String(census.created), mib(m.heapUsed), mib(m.rss)]);
  }
}
const m = process.memoryUsage();
process.stdout.write(`${table(['epoch', 'GPU buffers alive', 'created in all', 'JS heap MiB', 'RSS MiB'], rows)}\n`);
process.stdout.write(
  `growth from epoch 1 to ${epochs}: buffers ${census.alive - first!.alive}, heap ${mib(m.heapUsed - first!.heap)} MiB, RSS ${mib(m.rss - first!.rss)} MiB\n`,
);
trainer.destroy();
process.exit(0);
