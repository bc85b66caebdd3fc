/**
 * One peer, one backend, one batch size, in its own process; prints one JSON line (a
 * PeerResult) on stdout, so the main benchmark can spawn it per backend with a time-out.
 *
 *   npx tsx bench/peers/run-peer.ts --backend webgpu|wasm|cpu|plain-js [--network lecun|lenet5|cnn] [--batch 100] [--steps 50]
 *        [--warmup 5] [--data ../shared/data/mnist] [--adapter opengl|vulkan|swiftshader|default|auto]
 *        [--seed 1] [--lr 0.1] [--l2 1e-4] [--l2-mode update|loss]
 *
 * --adapter defaults to $WGTRAIN_PEER_ADAPTER, else opengl (Mesa llvmpipe without a GPU).
 * --network lecun (default; SGD, --lr 0.1, --l2) or a convolutional preset, lenet5 or cnn
 * (TF.js only: Adam at the preset's η unless --lr is given, no L2; bench/peers/tfjs-cnn.ts).
 *
 * Exit 0 with the result line; on failure exit 1, the message on stderr and a line
 * {"peer", "backend", "batch", "error"} on stdout. Everything the libraries print goes to stderr.
 */
import { Command, Option } from 'commander';
import { loadIdxDataset } from '../../src/data/dataset.node.ts';
import { L2_MODES, PEER_ADAPTERS, type L2Mode, type PeerAdapter } from './common.ts';

const BACKENDS = ['webgpu', 'wasm', 'cpu', 'plain-js'] as const;
type Backend = (typeof BACKENDS)[number];
const NETWORKS = ['lecun', 'lenet5', 'cnn'] as const;
type Network = (typeof NETWORKS)[number];

// Keep stdout for the one JSON line: TF.js and Emscripten log through console.
const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;

const whole = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min} (got ${v})`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0 (got ${v})`);
  return n;
};

const opts = new Command('run-peer')
  .addOption(new Option('--backend <backend>', 'tfjs backend, or plain-js').choices([...BACKENDS]).makeOptionMandatory())
  .addOption(new Option('--network <network>', 'lecun (784-300-100-10) or a convolutional preset').choices([...NETWORKS]).default('lecun'))
  .option('--batch <n>', 'mini-batch size', whole('batch', 1), 100)
  .option('--steps <n>', 'timed mini-batches', whole('steps', 1), 50)
  .option('--warmup <n>', 'untimed mini-batches first', whole('warmup', 0), 5)
  .option('--data <dir>', 'MNIST folder (IDX files)', process.env.WGTRAIN_MNIST_DIR ?? '../shared/data/mnist')
  .addOption(new Option('--adapter <adapter>', 'WebGPU adapter (webgpu backend only)').choices([...PEER_ADAPTERS]).default(process.env.WGTRAIN_PEER_ADAPTER ?? 'opengl'))
  .option('--seed <n>', 'initial weights and batch order', whole('seed', 0), 1)
  .option('--lr <x>', 'learning rate (default 0.1 for lecun, the preset\'s for lenet5 and cnn)', num('lr'))
  .option('--l2 <x>', 'L2 strength λ (loss + λ/2·‖W‖²); 0 = off', num('l2'), 1e-4)
  .addOption(new Option('--l2-mode <mode>', 'update: λW folded into the SGD update (as wgtrain); loss: λ/2·‖W‖² added to the loss (Keras style)').choices([...L2_MODES]).default('update'))
  .parse()
  .opts() as { backend: Backend; network: Network; batch: number; steps: number; warmup: number; data: string; adapter: PeerAdapter; seed: number; lr?: number; l2: number; l2Mode: L2Mode };

try {
  const { train } = await loadIdxDataset(opts.data);
  const data = { images: train.images, labels: train.labels, count: train.count, rows: train.rows, cols: train.cols };
  const o = { batch: opts.batch, steps: opts.steps, warmupSteps: opts.warmup, seed: opts.seed, lr: opts.lr, l2: opts.l2, l2Mode: opts.l2Mode, adapter: opts.adapter };
  let result;
  if (opts.network !== 'lecun') {
    if (opts.backend === 'plain-js') throw new Error(`the plain JS loop trains lecun only (got --network ${opts.network})`);
    const { benchTfjsCnn } = await import('./tfjs-cnn.ts');
    result = await benchTfjsCnn(opts.backend, opts.network, data, o);
  } else if (opts.backend === 'plain-js') {
    const { benchPlainJs } = await import('./plain-js.ts');
    result = await benchPlainJs(data, o);
  } else {
    const { benchTfjs } = await import('./tfjs.ts');
    result = await benchTfjs(opts.backend, data, o);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (e) {
  const message = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  process.stderr.write(`run-peer ${opts.backend} ${opts.network} batch ${opts.batch}: ${e instanceof Error && e.stack ? e.stack : message}\n`);
  process.stdout.write(`${JSON.stringify({ peer: opts.backend === 'plain-js' ? 'plain-js' : 'tfjs', backend: opts.backend, network: opts.network, batch: opts.batch, error: message })}\n`);
  process.exit(1);
}
