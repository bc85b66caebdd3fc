/**
 * A whole network on the CPU, walking its layers through their modules (src/layers): the
 * forward pass in order, the backward pass in reverse, as llm.c's gpt2_forward and
 * gpt2_backward read. The CPU trainer, the page's feature maps and the bench all run this.
 */
import type { MatmulChoice, MatmulPolicy } from '../gpu/matmul-plans.ts';
import { moduleOf } from '../layers/index.ts';
import type { CpuLayerIO, CpuScratch, ResolvedLayer, ScratchSpec } from '../layers/layer.ts';
import { blockView } from '../model/param-block.ts';
import type { ResolvedNetwork } from '../model/network.ts';
import { shapeSize } from '../model/spec.ts';
import { dropout } from './dropout.ts';

/**
 * Buffers of one scratch list: shared names get one array, as large as the largest asks.
 * `variant`: the GPU's matmul choice, for a GPU workspace (LayerModule.scratch).
 */
export function allocateScratch<Buf>(
  layers: ResolvedLayer[], B: number, training: boolean, make: (s: ScratchSpec, label: string) => Buf, variant?: MatmulChoice | MatmulPolicy,
): Record<string, Buf>[] {
  const specs = layers.map((r) => moduleOf(r.layer).scratch(r as never, B, variant).filter((s) => training || !s.backwardOnly));
  const shared = new Map<string, ScratchSpec>();
  for (const s of specs.flat()) {
    if (s.shared && (shared.get(s.name)?.count ?? -1) < s.count) shared.set(s.name, s);
  }
  const sharedBufs = new Map([...shared].map(([name, s]) => [name, make(s, name)]));
  return specs.map((list, i) =>
    Object.fromEntries(list.map((s) => [s.name, s.shared ? sharedBufs.get(s.name)! : make(s, `${layers[i].layer.type}${layers[i].ordinal} ${s.name}`)])),
  );
}

/** A mini-batch's input, every layer's output and gradient, and the layers' scratch. */
export class CpuWorkspace {
  readonly x: Float32Array;
  readonly y: Uint32Array;
  /** Each layer's output (after its activation). */
  readonly out: Float32Array[];
  /** Each layer's gradient, with respect to its pre-activation (see src/layers/layer.ts). */
  readonly grad: Float32Array[];
  readonly scratch: Record<string, CpuScratch>[];
  /** `training`: with gradients and the backward pass's scratch. */
  constructor(readonly net: ResolvedNetwork, readonly B: number, readonly training = false) {
    const first = net.layers[0];
    this.x = new Float32Array(B * shapeSize(first.in));
    this.y = new Uint32Array(B);
    this.out = net.layers.map((r) => new Float32Array(B * shapeSize(r.out)));
    this.grad = net.layers.map((r) => new Float32Array(training ? B * shapeSize(r.out) : 0));
    this.scratch = allocateScratch(net.layers, B, training, (s) => (s.kind === 'u32' ? new Uint32Array(s.count) : new Float32Array(s.count)));
  }

  /** The network's output: the last layer's. */
  get output(): Float32Array {
    return this.out[this.out.length - 1];
  }

  io(i: number, params: Float32Array, grads: Float32Array | null, state: Float32Array | null): CpuLayerIO {
    const r = this.net.layers[i];
    return {
      B: this.B,
      training: this.training,
      x: i === 0 ? this.x : this.out[i - 1],
      out: this.out[i],
      dOut: this.grad[i],
      dIn: i === 0 ? null : this.grad[i - 1],
      scratch: this.scratch[i],
      params: r.block && blockView(params, r.block),
      grads: r.block && grads && blockView(grads, r.block),
      state: r.state && state && state.subarray(r.state.offset, r.state.offset + r.state.size),
    };
  }
}

/** Dropout while training: probability p, masks drawn from (seed, layer, t) (src/cpu/dropout.ts). */
export interface DropoutStep {
  p: number;
  seed: number;
  /** The 1-based number of the mini-batch in the whole run. */
  t: number;
}

function drop(x: Float32Array, r: ResolvedLayer, B: number, d?: DropoutStep): void {
  if (d && d.p > 0 && r.dropoutLayer !== null) dropout(x, B * shapeSize(r.out), d.seed, r.dropoutLayer, d.t, d.p);
}

/**
 * ws.x through every layer into ws.out; with `training`, hidden dense layers' dropout. `state`
 * (stateLayout: batch norm's running statistics) is read, and updated when ws is a training
 * workspace; a network without state needs none.
 */
export function forwardNetwork(ws: CpuWorkspace, params: Float32Array, training?: DropoutStep, state: Float32Array | null = null): void {
  for (const r of ws.net.layers) {
    moduleOf(r.layer).cpu.forward(r as never, ws.io(r.index, params, null, state));
    drop(ws.out[r.index], r, ws.B, training);
  }
}

/**
 * Gradients of the loss into `grads`, the last layer's gradient (ws.grad[last]) given:
 * layer by layer in reverse, each writing the gradient of the layer before.
 */
export function backwardNetwork(ws: CpuWorkspace, params: Float32Array, grads: Float32Array, training?: DropoutStep): void {
  for (let i = ws.net.layers.length - 1; i >= 0; i--) {
    const r = ws.net.layers[i];
    moduleOf(r.layer).cpu.backward(r as never, ws.io(i, params, grads, null));
    if (i > 0) drop(ws.grad[i - 1], ws.net.layers[i - 1], ws.B, training);
  }
}
