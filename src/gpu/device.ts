/**
 * Opening a WebGPU device with the limits wgtrain needs, and turning every way it can fail
 * into a message that says what to do. Works with any `GPU` object: navigator.gpu in the
 * browser, Dawn's node bindings in Node (node-gpu.node.ts).
 */
import type { ShaderSources } from './shader-library.ts';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'opengl', 'vulkan', 'browser', …: how the adapter was reached. */
  backend: string;
  featureLevel: 'core' | 'compatibility';
  /** A CPU implementation of WebGPU (llvmpipe, SwiftShader, WARP). */
  isSoftware: boolean;
  limits: Record<string, number>;
  features: string[];
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  shaders: ShaderSources;
  hasTimestamps: boolean;
  /** The device has WGSL's subgroup operations (`subgroups`), which matmul_subgroup needs. */
  hasSubgroups: boolean;
  /** Set when the device is lost or raises an error nobody captured; checked by the trainer. */
  failure: () => Error | null;
  /** Whatever must stay reachable while the device lives (Dawn's GPU instance in Node). */
  keepAlive: unknown;
  destroy(): void;
}

/** Limits wgtrain raises to the adapter's own values (compatibility mode starts low). */
const RAISED_LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBufferBindingSize',
  'maxUniformBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

export const LIMIT_NAMES = RAISED_LIMITS;

export function summarizeAdapter(adapter: GPUAdapter, backend: string, featureLevel: 'core' | 'compatibility'): AdapterSummary {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) limits[name] = Number(adapter.limits[name]);
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    backend,
    featureLevel,
    isSoftware:
      Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
      /llvmpipe|swiftshader|lavapipe|softpipe|warp|microsoft basic render/.test(text),
    limits,
    features: [...adapter.features].map(String).sort(),
  };
}

export function adapterName(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ').trim() || 'unnamed adapter';
  return `${name} (${a.backend}, ${a.featureLevel})`;
}

export async function openDevice(
  adapter: GPUAdapter,
  summary: AdapterSummary,
  shaders: ShaderSources,
  keepAlive: unknown,
): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = Number(adapter.limits[name]);
  const hasTimestamps = adapter.features.has('timestamp-query');
  const hasSubgroups = adapter.features.has('subgroups');
  const requiredFeatures: GPUFeatureName[] = [];
  if (hasTimestamps) requiredFeatures.push('timestamp-query');
  if (hasSubgroups) requiredFeatures.push('subgroups' as GPUFeatureName);
  const device = await adapter.requestDevice({ label: 'wgtrain', requiredLimits, requiredFeatures });
  let failure: Error | null = null;
  let destroyed = false;
  device.lost.then((info) => {
    if (!destroyed && !failure) {
      failure = new Error(
        `The WebGPU device was lost (${info.reason}: ${info.message || 'no message'}). ` +
          'This happens when the GPU driver resets or the device is destroyed; with --checkpoint DIR the run can be resumed with --resume.',
      );
    }
  });
  device.addEventListener('uncapturederror', (event) => {
    const e = (event as GPUUncapturedErrorEvent).error;
    if (!failure) failure = new Error(`WebGPU error: ${e.message}`);
  });
  return {
    device,
    adapter: summary,
    shaders,
    hasTimestamps,
    hasSubgroups: device.features.has('subgroups'),
    failure: () => failure,
    keepAlive,
    destroy() {
      destroyed = true;
      device.destroy();
    },
  };
}

export const NO_ADAPTER_HELP =
  'No WebGPU adapter was found. With a GPU, update its driver (Vulkan on Linux, D3D12 on Windows, Metal on macOS). ' +
  'Without one, use a software adapter: on Debian/Ubuntu `apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri` ' +
  'and run with `--adapter opengl` (Mesa llvmpipe), or install Chromium for SwiftShader and use `--adapter swiftshader`. ' +
  '`wgtrain devices` lists what is found; `--device cpu` trains on the CPU reference instead.';
