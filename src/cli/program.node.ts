/**
 * The `wgtrain` command line: its commands and options, and `runWgtrain`, which runs it on
 * a list of arguments and returns the exit status (main.ts runs it on the process's own; the
 * tests also run it in their process, where a child's startup would cost more than the run).
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { ADAPTER_CHOICES } from '../gpu/node-gpu.node.ts';
import { ALL_MATMUL_VARIANTS } from '../gpu/matmul-plans.ts';
import { CATALOG_NAMES } from '../data/catalog.ts';
import { ARCH_HELP } from '../model/arch.ts';
import { ACTIVATIONS, INITS, LOSSES } from '../model/spec.ts';
import { OPTIMIZERS, PRESETS, SCHEDULES } from '../train/config.ts';
import { dataCommand } from './data-command.node.ts';
import { devicesCommand } from './devices-command.node.ts';
import { evalCommand } from './eval-command.node.ts';
import { trainCommand } from './train-command.node.ts';
import { packageVersion } from './version.node.ts';

/** A new program per run: commander keeps the parsed options on its Command objects. */
function buildProgram(): Command {
  const program = new Command('wgtrain')
    .description('Train neural networks on MNIST with WebGPU compute shaders (or the CPU reference)')
    .version(packageVersion(), '-V, --version', 'print the version of wgtrain')
    // One line after a usage error, not the whole help (~130 lines, which scroll "Did you mean …?" away).
    .showHelpAfterError('(wgtrain COMMAND --help lists its options)')
    // Usage errors, --help and --version end in a CommanderError for runWgtrain, not process.exit;
    // the subcommands inherit this when they are created, so it comes first.
    .exitOverride();

  const DATA_HELP =
    `a named data set (${CATALOG_NAMES.join(', ')}), kept in data/NAME and downloaded when missing, or a path: a folder of IDX ` +
    'files (train-images-idx3-ubyte[.gz] …), one EMNIST split, CIFAR-10\'s data_batch_N.bin, a folder of images by class ' +
    '(DIR/<class>/*.png|jpg|bmp|gif|webp, or DIR/train/<class>/… and DIR/test/<class>/…) or a CSV file (a label column and pixel ' +
    'columns); default data/mnist, downloaded when missing';
  const CHANNELS_HELP = 'image folders and CSV files: 1 (grayscale) or 3 (RGB); images are converted (default: as found; CSV rows: 1)';
  const SIZE_HELP = 'image folders and CSV files: image size, N (square) or HxW; images are resized (default: the size they all have; CSV: square)';
  const VERBOSE_HELP = "also show the WebGPU implementation's (Dawn's) own warnings, e.g. about missing Vulkan drivers";

  /** Each command describes its options in its own terms: `eval` neither trains nor has a --limit. */
  const dataOptions = (c: Command, use: 'train' | 'eval') =>
    use === 'train'
      ? c
          .option('--data <path>', DATA_HELP)
          .option('--channels <c>', CHANNELS_HELP)
          .option('--size <size>', SIZE_HELP)
          .option('--validation <n>', 'training images held out (the last n) for validation (default: 10000, or a sixth of a smaller set)')
          .option('--limit <n>', 'train on the first n of the remaining images only')
      : c
          .option('--data <path>', `${DATA_HELP}; its test set (t10k files, test/ folder) is used when present`)
          .option('--channels <c>', CHANNELS_HELP)
          .option('--size <size>', SIZE_HELP)
          .option('--validation <n>', 'without a test set: measure on the last n training images (as train held them out; default: 10000, or a sixth of a smaller set)');

  const deviceOptions = (c: Command, use: 'train' | 'eval') =>
    c
      .addOption(new Option('--device <device>', use === 'train' ? 'where to train' : 'where to run the model').choices(['gpu', 'cpu']).default('gpu'))
      .addOption(new Option('--adapter <adapter>', 'WebGPU adapter (see wgtrain devices)').choices([...ADAPTER_CHOICES]).default('auto'))
      .addOption(
        new Option('--matmul <variant>', 'matmul kernel: auto (the fastest per shape, measured on this adapter and cached) or a fixed one (default: vec4 on software adapters, auto on GPUs; subgroup needs an adapter with the subgroups feature)')
          .choices(['auto', ...ALL_MATMUL_VARIANTS]),
      )
      .option('--verbose', VERBOSE_HELP);

  deviceOptions(
    dataOptions(
      program
        .command('train')
        .description(
          'train a network; presets: lecun (784-300-100-10 ReLU, softmax), nielsen (784-30-10 sigmoid, quadratic), ' +
            'lenet5 (LeCun 1998: two 5×5 convolutions with max pooling, 120-84-10, Adam), cnn (two 5×5 convolutions of 16 and 32 filters, 256 with dropout 0.4, 10, Adam), ' +
            'fast (99% validation in one epoch: four 3×3 convolutions with batch normalization, 256, 10, Adam along a onecycle schedule), ' +
            'best (two convolutions with batch normalization, 256 with dropout, affine augmentation, 15 epochs), ' +
            'cifar (3x32x32 colour: three convolution + batch normalization blocks, 256, 10)',
        )
        .addOption(new Option('--preset <name>', 'starting configuration (default lecun)').choices(Object.keys(PRESETS)))
        .option('--arch <layers>', ARCH_HELP)
        .addOption(new Option('--activation <act>', 'hidden-layer activation').choices([...ACTIVATIONS]))
        .addOption(new Option('--loss <loss>', 'loss').choices([...LOSSES]))
        .addOption(new Option('--output-activation <act>', 'output activation for the quadratic loss').choices([...ACTIVATIONS]))
        .addOption(new Option('--init <init>', 'weight initialisation').choices([...INITS]))
        .option('--lr <rate>', 'learning rate η')
        .option('--lr-decay <factor>', 'multiply η by this after every epoch (the step schedule)')
        .addOption(
          new Option(
            '--schedule <name>',
            'learning rate per mini-batch: step (×--lr-decay per epoch, the default), cosine (annealed from --lr to --lr-min over the run), ' +
              "onecycle (PyTorch's OneCycleLR: up from lr/25 to --lr over 30% of the run, then down to lr/25/1e4)",
          ).choices([...SCHEDULES]),
        )
        .option('--warmup <n>', 'linear warm-up over the first n mini-batches (step and cosine schedules)')
        .option('--lr-min <rate>', "the cosine schedule's floor (default 0)")
        .option('--batch <n>', 'mini-batch size')
        .option('--epochs <n>', 'epochs')
        .option('--l2 <lambda>', 'L2 regularisation λ (weights only)')
        .addOption(
          new Option('--optimizer <name>', 'sgd, momentum (heavy ball, --momentum μ, default 0.9), adam, or adamw (Adam with decoupled --weight-decay)').choices([...OPTIMIZERS]),
        )
        .option('--momentum <mu>', 'SGD momentum (0 = plain SGD)')
        .option('--beta1 <b1>', "Adam's β1 (default 0.9)")
        .option('--beta2 <b2>', "Adam's β2 (default 0.999)")
        .option('--eps <eps>', "Adam's ε (default 1e-8)")
        .option('--weight-decay <wd>', "AdamW's decoupled weight decay, weights only (default 0.01; replaces --l2)")
        .option('--dropout <p>', 'drop each hidden dense unit with probability p while training (inverted dropout; ReLU layers)')
        .option('--augment <kinds>', 'transform each training image at random each epoch: affine, elastic, affine,elastic or none (validation and test images never)')
        .option('--rotate <deg>', 'affine: rotation drawn in ±deg degrees (default 12)')
        .option('--scale <frac>', 'affine: scale drawn in 1 ± frac (default 0.1)')
        .option('--shear <deg>', 'affine: shear drawn in ±deg degrees (default 8)')
        .option('--shift <px>', 'affine: shift in x and y drawn in ±px pixels (default 2)')
        .option('--elastic-sigma <s>', "elastic: the Gaussian's σ in pixels that smooths the random field (default 4)")
        .option('--elastic-alpha <a>', "elastic: the field's scale α in pixels (default 34)")
        .option('--seed <n>', 'seed for initialisation, shuffling, dropout and augmentation'),
      'train',
    ),
    'train',
  )
    .option('--out <file>', 'save the trained model there, as safetensors (default: runs/wgtrain-ARCH.safetensors, numbered so no earlier run is overwritten)')
    .option('--no-out', 'do not save the trained model')
    .option('--checkpoint <dir>', 'save a checkpoint there after every epoch (and stop cleanly on SIGINT/SIGTERM)')
    .option('--resume', 'continue the run saved in --checkpoint DIR (same data and network; --lr, --lr-decay and --epochs may change)')
    .option('--overwrite', 'start a new run in a --checkpoint DIR that already holds a checkpoint, replacing it (without it, such a run is refused)')
    .option(
      '--target-accuracy <A>',
      'stop once an epoch\'s validation accuracy reaches A, a fraction (0.99) or a percentage (99% or 99); the run ends as finished. ' +
        'Every run reports its training time to 98%, 99% and 99.5% validation',
    )
    .option('--json', 'print one JSON object per line instead of text')
    .action((flags) => trainCommand(flags));

  deviceOptions(
    dataOptions(
      program
        .command('eval')
        .description('accuracy and confusion matrix of a saved model, on the test set (t10k files) or else the validation images')
        .argument('<model>', 'a .safetensors file saved by wgtrain train or the web page'),
      'eval',
    ),
    'eval',
  )
    .option('--json', 'print JSON')
    .action((model, flags) => evalCommand(model, flags));

  program
    .command('devices')
    .description('list the WebGPU adapters found, with backend and limits')
    .option('--json', 'print JSON')
    .option('--tune', "time every matmul kernel on each shape of the presets' training steps on one adapter, keep the fastest (cached), print the table")
    .addOption(new Option('--adapter <adapter>', 'the adapter to tune').choices([...ADAPTER_CHOICES]).default('auto'))
    .option('--preset <names...>', 'tune these presets only')
    .option('--verbose', VERBOSE_HELP)
    .action((flags) => devicesCommand(flags));

  program
    .command('data')
    .description(`download a data set into data/NAME/, checked against its published SHA-256 (MD5 for mnist) and unpacked: ${CATALOG_NAMES.join(', ')}`)
    .addArgument(new Argument('<name>', 'the data set').choices(CATALOG_NAMES))
    .option('--dir <dir>', 'target folder (default data/NAME; EMNIST\'s splits share data/emnist)')
    .option('--mirror <url...>', 'base URL(s) to download from instead of the built-in mirrors')
    .action((name, flags) => dataCommand(name, flags));

  return program;
}

/**
 * Runs the command line on `args` (without node and the script) and returns its exit status:
 * 0, commander's own (usage errors print their message, --help and --version their text),
 * 1 after printing `wgtrain: <message>` for an error, or what the command set (130 or 143
 * when a signal stopped training).
 */
export async function runWgtrain(args: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(args, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`wgtrain: ${(e as Error).message}\n`);
    return 1;
  }
}
