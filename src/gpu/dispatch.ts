/**
 * Dispatch plumbing: a Dispatch is one kernel built once (pipeline, bind groups, a uniform
 * with its sizes, workgroup counts) and encoded many times; and the workgroup counts:
 * every dispatch size in wgtrain comes from here.
 */
import type { KernelCache, KernelName, Overrides } from './kernels.ts';

export const MAX_WORKGROUPS_PER_DIM = 65535;

export const ceilDiv = (n: number, d: number) => Math.ceil(n / d);

/**
 * Workgroups for a flat range of n elements at `wg` invocations each, folded into (x, y)
 * when one dimension is not enough; kernels recover the flat id as
 * gid.x + gid.y · num_workgroups.x · WG and bounds-check it.
 */
export function flatDispatch(n: number, wg: number): [number, number, number] {
  const groups = Math.max(1, ceilDiv(n, wg));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const x = MAX_WORKGROUPS_PER_DIM;
  return [x, ceilDiv(groups, x), 1];
}

export interface Slice {
  buffer: GPUBuffer;
  /** Bytes; must be a multiple of the storage offset alignment (256). */
  offset?: number;
  size?: number;
}

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** The step bind group, for kernels that run once per mini-batch. */
  step?: GPUBindGroup;
  workgroups: [number, number, number];
  /** Buffers made for this dispatch alone (its sizes uniform): destroyed with it. */
  owned: GPUBuffer[];
  /** A second phase encoded right after this one (a split-K matmul's reduce), destroyed with it. */
  next?: Dispatch;
}

export function encodeDispatch(pass: GPUComputePassEncoder, d: Dispatch, stepOffset = 0): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  if (d.step) pass.setBindGroup(1, d.step, [stepOffset]);
  pass.dispatchWorkgroups(...d.workgroups);
  if (d.next) encodeDispatch(pass, d.next, stepOffset);
}

function toSlice(s: GPUBuffer | Slice): Slice {
  return 'mapState' in s ? { buffer: s } : s;
}

/** Invocations per workgroup of the kernels dispatched flat over their elements (flatDispatch). */
export const FLAT_WG = 256;

/** The bits of v as an f32, for a uniform of u32 words. */
export const f32Bits = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

/** A uniform buffer of u32 sizes, written once at creation. */
export function uniformBuffer(device: GPUDevice, label: string, words: number[]): GPUBuffer {
  const size = Math.max(16, Math.ceil((words.length * 4) / 16) * 16);
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(words);
  buffer.unmap();
  return buffer;
}

export async function build(
  k: KernelCache,
  name: KernelName,
  overrides: Overrides,
  label: string,
  storage: (GPUBuffer | Slice)[],
  uniform: GPUBuffer,
  workgroups: [number, number, number],
  step?: GPUBindGroup,
): Promise<Dispatch> {
  const kernel = await k.get(name, overrides);
  const entries: GPUBindGroupEntry[] = storage.map((s, binding) => {
    const { buffer, offset, size } = toSlice(s);
    return { binding, resource: { buffer, offset: offset ?? 0, size: size ?? buffer.size - (offset ?? 0) } };
  });
  entries.push({ binding: storage.length, resource: { buffer: uniform } });
  const bindGroup = k.device.createBindGroup({ label, layout: kernel.layouts[0], entries });
  return { label, pipeline: kernel.pipeline, bindGroup, step, workgroups, owned: [] };
}

/** build() for a dispatch whose uniform was made for it alone. */
export async function buildOwning(...args: Parameters<typeof build>): Promise<Dispatch> {
  const d = await build(...args);
  d.owned.push(args[5]);
  return d;
}

export function destroyDispatch(d: Dispatch): void {
  for (const b of d.owned) b.destroy();
  d.owned = [];
  if (d.next) destroyDispatch(d.next);
}
