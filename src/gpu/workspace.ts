/**
 * The GPU buffers of one forward (and, for training, backward) pass at batch size B,
 * mirroring the CPU trainer's workspace (src/cpu/network.ts CpuWorkspace): the input batch
 * and labels, each layer's output and gradient, and the layers' scratch.
 */
import { allocateScratch } from '../cpu/network.ts';
import type { GpuLayerIO } from '../layers/layer.ts';
import type { LayerBlock, StateBlock } from '../model/param-block.ts';
import type { ResolvedNetwork } from '../model/network.ts';
import { shapeSize } from '../model/spec.ts';
import type { Slice } from './dispatch.ts';
import type { MatmulChoice, MatmulPolicy } from './matmul-plans.ts';
import type { ByteInput } from './ops/matmul.ts';

/** Makes (and owns) a storage buffer of `bytes`. */
export type Allocate = (label: string, bytes: number) => GPUBuffer;

export class GpuWorkspace {
  /** The input batch: f32, or bytes (four pixels to a u32) when `bytesInput`. */
  readonly x: GPUBuffer;
  readonly y: GPUBuffer;
  readonly out: GPUBuffer[];
  /** Gradients (training workspaces only). */
  readonly grad: GPUBuffer[];
  readonly scratch: Record<string, GPUBuffer>[];

  constructor(
    readonly net: ResolvedNetwork,
    readonly B: number,
    readonly training: boolean,
    readonly bytesInput: boolean,
    allocate: Allocate,
    label: string,
    variant: MatmulChoice | MatmulPolicy,
  ) {
    const names = net.layers.map((r) => `${r.layer.type}${r.ordinal}`);
    this.x = allocate(`${label} x`, B * shapeSize(net.layers[0].in) * (bytesInput ? 1 : 4));
    this.y = allocate(`${label} y`, B * 4);
    this.out = net.layers.map((r, i) => allocate(`${label} ${names[i]} out`, B * shapeSize(r.out) * 4));
    this.grad = training ? net.layers.map((r, i) => allocate(`${names[i]} gradient`, B * shapeSize(r.out) * 4)) : [];
    this.scratch = allocateScratch(net.layers, B, training, (s, name) => allocate(`${label} ${name}`, s.count * 4), variant);
  }

  /** The input batch as the first layer reads it. */
  get input(): GPUBuffer | ByteInput {
    return this.bytesInput ? { bytes: this.x } : this.x;
  }

  /** The network's output: the last layer's. */
  get output(): GPUBuffer {
    return this.out[this.out.length - 1];
  }

  /**
   * Layer i's buffers; params, grads and state are the whole flat buffers (grads absent: the
   * update is fused).
   */
  io(i: number, params: GPUBuffer, grads: GPUBuffer | undefined, state: GPUBuffer): GpuLayerIO {
    const r = this.net.layers[i];
    const slice = (buffer: GPUBuffer, b: LayerBlock | StateBlock): Slice => ({ buffer, offset: b.offset * 4, size: b.size * 4 });
    return {
      B: this.B,
      training: this.training,
      x: i === 0 ? this.input : this.out[i - 1],
      out: this.out[i],
      dOut: this.grad[i],
      dIn: this.training && i > 0 ? this.grad[i - 1] : null,
      scratch: this.scratch[i],
      params: r.block && slice(params, r.block),
      grads: r.block && grads ? slice(grads, r.block) : null,
      state: r.state && slice(state, r.state),
    };
  }
}
