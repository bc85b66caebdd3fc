import { openNodeGpu } from '../src/gpu/node-gpu.node.ts';
import { GpuTrainer } from '../src/gpu/trainer.ts';
import { AFFINE_DEFAULTS, ELASTIC_DEFAULTS, PRESETS } from '../src/train/config.ts';
import { timeGpu } from '../bench/timing.ts';
const ctx = await openNodeGpu('opengl');
const count = 768;
const data = { images: Uint8Array.from({ length: count * 784 }, (_, i) => (i * 37) & 255), labels: new Uint8Array(count), count, rows: 28, cols: 28, classes: 10 };
for (const B of [100, 256]) {
  const t = await GpuTrainer.create(ctx, { ...PRESETS.lecun, batch: B, augment: { affine: AFFINE_DEFAULTS, elastic: ELASTIC_DEFAULTS } }, data, data);
  t.beginEpoch();
  for (const d of t.stepProgram) { const r = await timeGpu(ctx, [d]); console.log(B, d.label, r.mean.toFixed(2), r.sd.toFixed(2)); }
  t.destroy();
}
