/** The `wgtrain` command line. */
import { Command, Option } from 'commander';
import { ADAPTER_CHOICES } from '../gpu/node-gpu.node.ts';
import { MATMUL_VARIANTS } from '../gpu/ops.ts';
import { ACTIVATIONS, INITS, LOSSES } from '../model/spec.ts';
import { PRESETS } from '../train/config.ts';
import { dataCommand } from './data-command.node.ts';
import { devicesCommand } from './devices-command.node.ts';
import { evalCommand } from './eval-command.node.ts';
import { trainCommand } from './train-command.node.ts';

const program = new Command('wgtrain')
  .description('Train neural networks on MNIST with WebGPU compute shaders (or the CPU reference)')
  .showHelpAfterError();

const dataOptions = (c: Command) =>
  c
    .option('--data <dir>', 'folder of IDX files (train-images-idx3-ubyte[.gz] …); default data/mnist, downloaded when missing')
    .option('--validation <n>', 'training images held out (the last n) for validation', '10000')
    .option('--limit <n>', 'train on the first n of the remaining images only');

const deviceOptions = (c: Command) =>
  c
    .addOption(new Option('--device <device>', 'where to train').choices(['gpu', 'cpu']).default('gpu'))
    .addOption(new Option('--adapter <adapter>', 'WebGPU adapter (see `wgtrain devices`)').choices([...ADAPTER_CHOICES]).default('auto'))
    .addOption(new Option('--matmul <variant>', 'force a matmul kernel (default: chosen per adapter)').choices([...MATMUL_VARIANTS]));

deviceOptions(
  dataOptions(
    program
      .command('train')
      .description('train a network; presets: lecun (784-300-100-10 ReLU, softmax), nielsen (784-30-10 sigmoid, quadratic)')
      .addOption(new Option('--preset <name>', 'starting configuration (default lecun)').choices(Object.keys(PRESETS)))
      .option('--arch <sizes>', 'layer sizes, e.g. 784-300-100-10')
      .addOption(new Option('--activation <act>', 'hidden-layer activation').choices([...ACTIVATIONS]))
      .addOption(new Option('--loss <loss>', 'loss').choices([...LOSSES]))
      .addOption(new Option('--output-activation <act>', 'output activation for the quadratic loss').choices([...ACTIVATIONS]))
      .addOption(new Option('--init <init>', 'weight initialisation').choices([...INITS]))
      .option('--lr <rate>', 'learning rate η')
      .option('--lr-decay <factor>', 'multiply η by this after every epoch')
      .option('--batch <n>', 'mini-batch size')
      .option('--epochs <n>', 'epochs')
      .option('--l2 <lambda>', 'L2 regularisation λ (weights only)')
      .option('--momentum <mu>', 'SGD momentum (0 = plain SGD)')
      .option('--seed <n>', 'seed for initialisation and shuffling'),
  ),
)
  .option('--out <file>', 'save the trained model as safetensors')
  .option('--checkpoint <dir>', 'save a checkpoint there after every epoch (and stop cleanly on SIGINT/SIGTERM)')
  .option('--resume', 'continue the run saved in --checkpoint DIR (same data and network; --lr, --lr-decay and --epochs may change)')
  .option('--json', 'print one JSON object per line instead of text')
  .action((flags) => trainCommand(flags));

deviceOptions(
  dataOptions(program.command('eval').description('accuracy and confusion matrix of a saved model').argument('<model>', 'a .safetensors file from train --out')),
)
  .option('--json', 'print JSON')
  .action((model, flags) => evalCommand(model, flags));

program
  .command('devices')
  .description('list the WebGPU adapters found, with backend and limits')
  .option('--json', 'print JSON')
  .action((flags) => devicesCommand(flags));

program
  .command('data')
  .description('download a data set: mnist (into data/mnist/, checksummed)')
  .argument('<name>', 'mnist')
  .option('--dir <dir>', 'target folder (default data/mnist)')
  .option('--mirror <url...>', 'base URL(s) to download from instead of the built-in mirrors')
  .action((name, flags) => dataCommand(name, flags));

try {
  await program.parseAsync();
  // Dawn keeps the event loop alive while devices exist; the work is done.
  process.exit(process.exitCode ?? 0);
} catch (e) {
  process.stderr.write(`wgtrain: ${(e as Error).message}\n`);
  process.exit(1);
}
