/**
 * A stand-in for Dawn and the drivers it loads: writes lines straight to file descriptor 2,
 * inside quietDawn, as native code does (not through process.stderr). Run by
 * test/cli/native-stderr.test.ts as `node --import tsx native-writer.ts [--fail] [--verbose]`.
 */
import { writeSync } from 'node:fs';
import { quietDawn } from '../../src/cli/native-stderr.node.ts';

const fail = process.argv.includes('--fail');
const verbose = process.argv.includes('--verbose');
try {
  await quietDawn(async () => {
    writeSync(2, 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n');
    writeSync(2, 'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter (backend=BackendType::Vulkan)\n');
    writeSync(2, 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n');
    if (fail) throw new Error('no adapter');
  }, verbose);
  process.stdout.write('done\n');
} catch (e) {
  process.stderr.write(`wgtrain: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
