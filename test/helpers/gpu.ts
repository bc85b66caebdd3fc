/**
 * The WebGPU device the tests run on. Tests name their adapter explicitly: opengl (Mesa
 * llvmpipe) by default, fast on the CPU-only machines CI uses; WGTRAIN_TEST_ADAPTER picks
 * another (vulkan, swiftshader, default).
 */
import { openNodeGpu, type AdapterChoice } from '../../src/gpu/node-gpu.node.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { KernelCache } from '../../src/gpu/kernels.ts';

export const TEST_ADAPTER = (process.env.WGTRAIN_TEST_ADAPTER ?? 'opengl') as AdapterChoice;

let ctx: Promise<GpuContext> | null = null;

/** One device per test file (vitest isolates files in separate workers). */
export function testGpu(): Promise<GpuContext> {
  ctx ??= openNodeGpu(TEST_ADAPTER);
  return ctx;
}

export async function testKernels(): Promise<KernelCache> {
  return new KernelCache(await testGpu());
}

import { encodeDispatch, type Dispatch } from '../../src/gpu/dispatch.ts';
import { storageBuffer } from '../../src/gpu/buffers.ts';

/** Encodes the dispatches in one pass, submits, and waits. */
export async function run(device: GPUDevice, dispatches: Dispatch[], stepOffset = 0): Promise<void> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const d of dispatches) encodeDispatch(pass, d, stepOffset);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

/** An output buffer filled with NaN, so an element the kernel forgets to write fails. */
export function poisoned(device: GPUDevice, label: string, floats: number): GPUBuffer {
  return storageBuffer(device, label, new Float32Array(floats).fill(NaN));
}

/** A device with WGSL subgroups, or why there is none here. */
export interface SubgroupGpu {
  ctx: GpuContext | null;
  /** Where ctx came from, or why the tests that need it are skipped. */
  reason: string;
}

let subgroupCtx: Promise<SubgroupGpu> | null = null;

/**
 * For the tests of matmul_subgroup: the test adapter when it has the `subgroups` feature,
 * else SwiftShader (Chromium's Vulkan driver) when it is installed and has it; otherwise
 * no device, with the reason, and those tests are skipped.
 */
export function subgroupGpu(): Promise<SubgroupGpu> {
  subgroupCtx ??= (async () => {
    const ctx = await testGpu();
    if (ctx.hasSubgroups) return { ctx, reason: `(on the test adapter, ${TEST_ADAPTER})` };
    const lacks = `the test adapter (${TEST_ADAPTER}) lacks \`subgroups\``;
    if (TEST_ADAPTER === 'swiftshader') return { ctx: null, reason: `(skipped: ${lacks})` };
    try {
      const sw = await openNodeGpu('swiftshader');
      if (sw.hasSubgroups) return { ctx: sw, reason: `(on SwiftShader: ${lacks})` };
      sw.destroy();
      return { ctx: null, reason: `(skipped: ${lacks}, and so does SwiftShader)` };
    } catch (e) {
      return { ctx: null, reason: `(skipped: ${lacks}, and SwiftShader cannot be opened: ${(e as Error).message})` };
    }
  })();
  return subgroupCtx;
}
