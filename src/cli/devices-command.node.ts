/** `wgtrain devices`: the WebGPU adapters Node can reach, with backend and limits; `--tune` runs the matmul autotuner. */
import { createTuner, type TuneResult } from '../gpu/autotune.ts';
import { fileStore, tuneCachePath } from '../gpu/autotune.node.ts';
import { adapterName, NO_ADAPTER_HELP } from '../gpu/device.ts';
import { listNodeAdapters, openNodeGpu, type AdapterChoice } from '../gpu/node-gpu.node.ts';
import { GpuTrainer } from '../gpu/trainer.ts';
import type { Split } from '../data/dataset.ts';
import { inputSize } from '../model/spec.ts';
import { PRESETS, type PresetName } from '../train/config.ts';
import { quietDawn } from './native-stderr.node.ts';

export async function devicesCommand(flags: { json?: boolean; verbose?: boolean; tune?: boolean; adapter?: string; preset?: string[] }): Promise<void> {
  if (flags.tune) return tuneCommand(flags);
  const adapters = await quietDawn(listNodeAdapters, flags.verbose);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(adapters)}\n`);
    return;
  }
  if (adapters.length === 0) throw new Error(NO_ADAPTER_HELP);
  const choice = { default: 'default', opengl: 'opengl', vulkan: 'vulkan' } as Record<string, string>;
  for (const a of adapters) {
    console.log(`${adapterName(a)}${a.isSoftware ? '  [software]' : ''}   --adapter ${choice[a.backend] ?? a.backend}`);
    for (const [name, value] of Object.entries(a.limits)) console.log(`    ${name.padEnd(36)} ${value}`);
    console.log(`    features: ${a.features.join(', ') || 'none'}`);
  }
}

/** Blank images of the preset's input size: the tuner times shapes, not data. */
function blankSplit(pixels: number, count: number): Split {
  const side = Math.sqrt(pixels);
  return { images: new Uint8Array(count * pixels), labels: new Uint8Array(count), count, channels: 1, rows: side, cols: side, classes: 10 };
}

const fmt = (ms: number | undefined) => (ms === undefined ? '' : Number.isFinite(ms) ? ms.toFixed(3) : 'dropped');

/** The three fastest candidates of a result with their times, and how many were measured. */
function fastest(r: TuneResult): string {
  const measured = Object.entries(r.ms).filter(([, ms]) => Number.isFinite(ms)).sort((a, b) => a[1] - b[1]);
  if (!measured.length) return '(from the cache)';
  const top = measured.slice(0, 3).map(([name, ms]) => `${name} ${fmt(ms)}`).join('  ');
  const all = Object.keys(r.ms).length;
  const failed = Object.keys(r.errors ?? {});
  return `${top}  (${measured.length} of ${all} timed${failed.length ? `; failed: ${failed.join(', ')}` : ''})`;
}

/** Tunes every matmul shape of the presets' training steps on one adapter and prints the winners. */
async function tuneCommand(flags: { json?: boolean; adapter?: string; preset?: string[] }): Promise<void> {
  const ctx = await openNodeGpu((flags.adapter ?? 'auto') as AdapterChoice);
  const tuner = createTuner(ctx, fileStore());
  const presets = (flags.preset?.length ? flags.preset : Object.keys(PRESETS)) as PresetName[];
  const rows: (TuneResult & { preset: string })[] = [];
  for (const name of presets) {
    const config = PRESETS[name];
    if (!config) throw new Error(`Unknown preset "${name}": choose among ${Object.keys(PRESETS).join(', ')}.`);
    const before = tuner.results.length;
    const data = blankSplit(inputSize(config.model), config.batch * 2);
    const t = await GpuTrainer.create(ctx, config, data, blankSplit(inputSize(config.model), config.batch), { variant: 'auto', tuner });
    t.destroy();
    rows.push(...tuner.results.slice(before).map((r) => ({ ...r, preset: name })));
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ adapter: ctx.adapter, cache: tuneCachePath(), results: rows })}\n`);
  } else {
    const clock = ctx.hasTimestamps ? "timestamp queries" : "wall clock around onSubmittedWorkDone";
    console.log(`matmul autotuner on ${adapterName(ctx.adapter)} (ms per dispatch, ${clock}; cache ${tuneCachePath()})`);
    console.log(['preset', 'shape'.padEnd(46), 'fastest candidates'.padEnd(52), 'winner'].join(' '));
    for (const r of rows) {
      console.log([r.preset.padEnd(6), r.key.padEnd(46), fastest(r).padEnd(52), `${r.winner}${r.cached ? ' (cached)' : ''}`].join(' '));
    }
  }
  ctx.destroy();
}
