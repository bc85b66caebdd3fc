/**
 * Finding an adapter in Node through Dawn's bindings (the `webgpu` package).
 *   auto        the default adapter (your GPU), else llvmpipe through OpenGL, else Vulkan
 *   opengl      Mesa llvmpipe through Dawn's OpenGL ES backend (compatibility mode)
 *   vulkan      Dawn's Vulkan backend (a GPU, or SwiftShader/lavapipe when that is the ICD)
 *   swiftshader Vulkan with Chromium's SwiftShader ICD
 * The object `create()` returns is kept on the context: if it were garbage-collected, Dawn
 * would free its instance under live devices and the process would crash.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { NO_ADAPTER_HELP, openDevice, summarizeAdapter, type AdapterSummary, type GpuContext } from './device.ts';
import { loadShaderSources } from './shaders.node.ts';

export const ADAPTER_CHOICES = ['auto', 'default', 'opengl', 'vulkan', 'swiftshader'] as const;
export type AdapterChoice = (typeof ADAPTER_CHOICES)[number];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

Object.assign(globalThis, globals);

interface Candidate {
  backend: string;
  flags: string[];
  options: GPURequestAdapterOptions;
  featureLevel: 'core' | 'compatibility';
}

function candidates(choice: AdapterChoice): Candidate[] {
  const opengl: Candidate = {
    backend: 'opengl',
    flags: ['backend=opengl', ...(process.env.WGTRAIN_DAWN_FLAGS ? process.env.WGTRAIN_DAWN_FLAGS.split(' ') : [])],
    options: { featureLevel: 'compatibility' },
    featureLevel: 'compatibility',
  };
  const vulkan: Candidate = { backend: 'vulkan', flags: ['backend=vulkan'], options: {}, featureLevel: 'core' };
  const byDefault: Candidate = { backend: 'default', flags: [], options: { powerPreference: 'high-performance' }, featureLevel: 'core' };
  switch (choice) {
    case 'auto':
      return [byDefault, opengl, vulkan];
    case 'default':
      return [byDefault];
    case 'opengl':
      return [opengl];
    case 'vulkan':
    case 'swiftshader':
      return [vulkan];
  }
}

/**
 * Environment for Mesa's software adapters, set before Dawn loads a driver (values already
 * in the environment win). Also used by the TF.js peer of the benchmark, so both run on the
 * same adapter configuration.
 */
export function prepareMesaEnvironment(): void {
  // EGL without a display server: Mesa's surfaceless platform.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  // llvmpipe's worker threads (it takes the core count by default). Three per core keep the
  // cores busy between and at the ends of the step's small dispatches: on 2 cores, lecun at
  // batch 100 trains 8–15% faster with 6 threads than with 2, and no batch size is slower.
  // Only Mesa's software rasterizer reads it.
  process.env.LP_NUM_THREADS ??= String(Math.min(32, 3 * availableParallelism()));
}

function prepareEnvironment(choice: AdapterChoice): void {
  prepareMesaEnvironment();
  if (choice === 'swiftshader') {
    if (!existsSync(SWIFTSHADER_ICD)) {
      throw new Error(
        `SwiftShader's Vulkan driver (${SWIFTSHADER_ICD}) is missing: install Debian's chromium package (apt-get install chromium), or use --adapter opengl.`,
      );
    }
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
}

async function findAdapter(choice: AdapterChoice): Promise<{ gpu: GPU; adapter: GPUAdapter; summary: AdapterSummary } | null> {
  prepareEnvironment(choice);
  for (const c of candidates(choice)) {
    const gpu = create(c.flags);
    const adapter = await gpu.requestAdapter(c.options);
    if (!adapter) continue;
    const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : c.featureLevel;
    return { gpu, adapter, summary: summarizeAdapter(adapter, c.backend, featureLevel) };
  }
  return null;
}

export async function openNodeGpu(choice: AdapterChoice = 'auto'): Promise<GpuContext> {
  const found = await findAdapter(choice);
  if (!found) throw new Error(`${NO_ADAPTER_HELP} (asked for --adapter ${choice})`);
  return openDevice(found.adapter, found.summary, loadShaderSources(), found.gpu);
}

/** Every adapter reachable from Node, for `wgtrain devices`. */
export async function listNodeAdapters(): Promise<AdapterSummary[]> {
  const found: AdapterSummary[] = [];
  for (const choice of ['default', 'opengl', 'vulkan'] as const) {
    const f = await findAdapter(choice);
    if (f) found.push(f.summary);
  }
  return found;
}
