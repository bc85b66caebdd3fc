/** `wgtrain devices`: the WebGPU adapters Node can reach, with backend and limits. */
import { adapterName, NO_ADAPTER_HELP } from '../gpu/device.ts';
import { listNodeAdapters } from '../gpu/node-gpu.node.ts';
import { quietDawn } from './native-stderr.node.ts';

export async function devicesCommand(flags: { json?: boolean; verbose?: boolean }): Promise<void> {
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
