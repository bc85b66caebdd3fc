/** Dawn's harmless warnings (no Vulkan drivers, lowered limits) are dropped from what the CLI shows; anything else stays. */
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
