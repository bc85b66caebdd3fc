/**
 * `npm run bench:augment`: what augmentation costs per mini-batch on the GPU: the augmenting
 * gather's kernels (the elastic field's two passes, then augment_gather) timed alone, the
 * whole training step with them, and the step without augmentation (its plain gather, bytes
 * for layer 1 where the plan picks them), for lecun and cnn at batch 100 and 256. Printed as
 * a table of ms ± sd; the load average is printed too, since a shared machine's numbers are noisy.
 *
 *   npm run bench:augment -- [--adapter opengl] [--presets lecun,cnn] [--batches 100,256]
 */
import { loadavg } from 'node:os';
import { Command, Option } from 'commander';
import type { Split } from '../src/data/dataset.ts';
import { adapterName } from '../src/gpu/device.ts';
import { ADAPTER_CHOICES, openNodeGpu, type AdapterChoice } from '../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { AFFINE_DEFAULTS, ELASTIC_DEFAULTS, PRESETS, type AugmentConfig, type PresetName } from '../src/train/config.ts';
import { fmtMs, table } from './table.ts';
import { timeGpu } from './timing.ts';

const opts = new Command('bench:augment')
  .addOption(new Option('--adapter <adapter>').choices([...ADAPTER_CHOICES]).default('opengl'))
  .option('--presets <names>', 'comma-separated presets', 'lecun,cnn')
  .option('--batches <sizes>', 'comma-separated batch sizes', '100,256')
  .parse()
  .opts();

/** Random bytes with MNIST's shape: the kernels' cost does not depend on the pixels. */
function split(count: number): Split {
  let s = 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  return {
    images: Uint8Array.from({ length: count * 784 }, next), labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count, channels: 1, rows: 28, cols: 28, classes: 10,
  };
}

const MODES: [string, AugmentConfig | undefined][] = [
  ['none', undefined],
  ['affine', { affine: AFFINE_DEFAULTS }],
  ['elastic', { elastic: ELASTIC_DEFAULTS }],
  ['affine,elastic', { affine: AFFINE_DEFAULTS, elastic: ELASTIC_DEFAULTS }],
];

const ctx = await openNodeGpu(opts.adapter as AdapterChoice);
console.log(`adapter: ${adapterName(ctx.adapter)}; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const rows: string[][] = [];
for (const preset of String(opts.presets).split(',') as PresetName[]) {
  for (const B of String(opts.batches).split(',').map(Number)) {
    const data = split(B * 3);
    let plain = NaN;
    for (const [mode, augment] of MODES) {
      const t = await GpuTrainer.create(ctx, { ...PRESETS[preset], batch: B, augment }, data, split(100));
      t.beginEpoch();
      const step = await timeGpu(ctx, t.stepProgram);
      const aug = t.stepProgram.filter((d) => d.label.startsWith('train augment'));
      const gather = aug.length ? await timeGpu(ctx, aug) : null;
      if (!augment) plain = step.mean;
      const row = [
        preset, String(B), mode, fmtMs(step.mean, step.sd), gather ? fmtMs(gather.mean, gather.sd) : '—',
        gather ? `${((100 * gather.mean) / step.mean).toFixed(1)}%` : '—', augment ? `${((100 * (step.mean - plain)) / plain).toFixed(1)}%` : '—', step.clock,
      ];
      rows.push(row);
      // Each row as it is measured (a long run on a loaded machine shows progress), the table at the end.
      console.error(`${row.join('  ')}  (load ${loadavg()[0].toFixed(1)})`);
      t.destroy();
    }
  }
}
console.log(table(['preset', 'batch', 'augment', 'step ms', 'augmenting gather ms', '% of step', 'step vs none', 'clock'], rows, (c) => c > 0 && c !== 2));
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
ctx.destroy();
