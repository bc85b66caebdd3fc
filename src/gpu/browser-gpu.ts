/**
 * Finding an adapter in the browser (a page or a Web Worker): navigator.gpu, a
 * high-performance adapter first, then one in compatibility mode (older GPUs, OpenGL ES
 * drivers). The same openDevice and the same shaders/ files as in Node (node-gpu.node.ts).
 */
import { openDevice, summarizeAdapter, type GpuContext } from './device.ts';
import { loadShaderSources } from './shaders.browser.ts';

/** Where a browser user learns how to turn WebGPU on. */
const ENABLE_WEBGPU_URL = 'https://developer.chrome.com/docs/web-platform/webgpu';

/** WebGPU is missing or finds no adapter: the page offers the CPU reference instead. */
export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

export async function openBrowserGpu(gpu: GPU | undefined = navigator.gpu): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'This browser does not offer WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, ' +
        `or turn WebGPU on as ${ENABLE_WEBGPU_URL} explains.`,
    );
  }
  let requested: 'core' | 'compatibility' = 'core';
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    requested = 'compatibility';
    adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  }
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'This browser has WebGPU, but it found no adapter: the GPU may be blocklisted, hardware acceleration ' +
        `turned off, or WebGPU disabled by a flag. ${ENABLE_WEBGPU_URL} explains how to enable it (chrome://gpu shows why it is off).`,
    );
  }
  const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : requested;
  return openDevice(adapter, summarizeAdapter(adapter, 'browser', featureLevel), loadShaderSources(), null);
}
