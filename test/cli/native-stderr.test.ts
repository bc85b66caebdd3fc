/**
 * What Dawn and the drivers write to fd 2 while looking for adapters stays out of normal output,
 * whatever it says (issue 19: Mesa's Vulkan driver adds lines no list knew); `--verbose` shows
 * it, and a failure shows what is not known to be harmless.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutHarmlessWarnings } from '../../src/cli/native-stderr.node.ts';

/** What Dawn printed on every command on a machine without Vulkan drivers (issue 11), and on this project's machine. */
const NO_VULKAN = [
  'Warning: vkCreateInstance: Found no drivers!',
  ' - While calling [Instance].RequestAdapter(…)',
  'Warning: VK_ERROR_INCOMPATIBLE_DRIVER at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:101)',
  '    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)',
  '',
  "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
  '    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)',
  '',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.',
  '',
].join('\n');

describe('withoutHarmlessWarnings', () => {
  it("drops Dawn's warnings about missing Vulkan drivers and lowered limits, with their stack lines", () => {
    expect(withoutHarmlessWarnings(NO_VULKAN)).toBe('');
  });

  it('keeps any other message, whole', () => {
    const other = 'Warning: Shader compilation took 12 s\n    at operator() (x.cpp:1)\n';
    expect(withoutHarmlessWarnings(`${NO_VULKAN}${other}`)).toBe(other);
    expect(withoutHarmlessWarnings('Error: device lost\n')).toBe('Error: device lost\n');
  });
});

const WRITER = fileURLToPath(new URL('../helpers/native-writer.ts', import.meta.url));

/** Runs the stand-in with stderr a file, as `2> log` or CI give it (a pipe behaves the same). */
async function runWriter(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'wgtrain-native-'));
  const [out, err] = await Promise.all([open(join(dir, 'stdout'), 'w'), open(join(dir, 'stderr'), 'w')]);
  try {
    const child = spawn('node', ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', out.fd, err.fd] });
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    return { code, stdout: await readFile(join(dir, 'stdout'), 'utf8'), stderr: await readFile(join(dir, 'stderr'), 'utf8') };
  } finally {
    await Promise.all([out.close(), err.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

describe.runIf(process.platform === 'linux')('quietDawn', () => {
  it('keeps every native line out of normal output, known or not', async () => {
    const r = await runWriter();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(r.stderr).toBe('');
  });

  it('shows everything with --verbose', async () => {
    const r = await runWriter('--verbose');
    expect(r.stderr).toContain('error: XDG_RUNTIME_DIR is invalid');
    expect(r.stderr).toContain('shaderUniform*ArrayDynamicIndexing');
    expect(r.stderr).toContain('artificially reduced');
  });

  it('on a failure, shows the lines not known to be harmless under a heading, then the error', async () => {
    const r = await runWriter('--fail');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^What Dawn and the drivers printed while looking for a GPU:\nerror: XDG_RUNTIME_DIR/);
    expect(r.stderr).toContain('shaderUniform*ArrayDynamicIndexing');
    expect(r.stderr).not.toContain('artificially reduced');
    expect(r.stderr.trimEnd().endsWith('wgtrain: no adapter')).toBe(true);
  });
});
