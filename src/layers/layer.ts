/**
 * The contract every layer type keeps: one module per type (src/layers/<type>.ts) holds its
 * --arch token, its shape rule, its parameters, its CPU passes (calling the twins in
 * src/cpu, one function per kernel) and its GPU op construction (src/gpu/ops). The trainers
 * walk a network's layers through these modules (src/cpu/network.ts, src/gpu/step.ts) and
 * know no layer type by name.
 *
 * Gradients between layers: `dOut` is the gradient of the loss with respect to the layer's
 * output before its activation (its pre-activation; for a layer without one, its output).
 * A layer's backward pass writes `dIn`, the gradient with respect to the previous layer's
 * pre-activation: it multiplies by that layer's act′ (`prevAct`, read from the input `x`),
 * as the backward kernels fuse it.
 */
import type { LayerBlock, ParamShape, StateBlock, StateShape } from '../model/param-block.ts';
import type { Activation, LayerOf, LayerType, Shape3 } from '../model/spec.ts';
import type { Dispatch, Slice } from '../gpu/dispatch.ts';
import type { MatmulChoice, MatmulPolicy } from '../gpu/matmul-plans.ts';
import type { ByteInput } from '../gpu/ops/matmul.ts';
import type { KernelCache } from '../gpu/kernels.ts';

/** A weight tensor as model files store it. */
export interface FileWeight {
  shape: number[];
  gather: Uint32Array | null;
}

/** One layer of a network with everything its neighbours decided. */
export interface ResolvedLayer<T extends LayerType = LayerType> {
  layer: LayerOf<T>;
  /** Position in the network's list. */
  index: number;
  /** 1-based among the layers of its type (labels: "conv 2", "dense 3"). */
  ordinal: number;
  in: Shape3;
  out: Shape3;
  /** The activation of this layer's output (identity for layers without one). */
  act: Activation;
  /** The activation of its input: the previous layer's act, identity for the first layer. */
  prevAct: Activation;
  /** Its parameter block, for layers with parameters. */
  block: LayerBlock | null;
  /** Its block of the state buffer, for layers with state. */
  state: StateBlock | null;
  /** Hidden dense layers take dropout; the mask's layer number (0-based among dense layers). */
  dropoutLayer: number | null;
  /** The last layer (a dense layer of one unit per class). */
  isOutput: boolean;
}

/** A buffer a layer needs at batch size B besides its output and gradient. */
export interface ScratchSpec {
  name: string;
  /** Elements (four bytes each). */
  count: number;
  kind: 'f32' | 'u32';
  /** Needed by the backward pass only (evaluation allocates none). */
  backwardOnly?: boolean;
  /** One buffer for all layers that name it, as large as the largest. */
  shared?: boolean;
}

/** What a layer's pass reads and writes: CPU arrays or GPU buffers. */
interface LayerIO<Buf, Input, Scratch> {
  B: number;
  /** A training step (batch statistics, dropout) rather than evaluation. */
  training: boolean;
  /** The layer's input (the previous layer's output, or the input batch). */
  x: Input;
  out: Buf;
  dOut: Buf;
  /** Null for the first layer: nothing needs the input's gradient. */
  dIn: Buf | null;
  scratch: Record<string, Scratch>;
}

export type CpuScratch = Float32Array | Uint32Array;
export type CpuLayerIO = LayerIO<Float32Array, Float32Array, CpuScratch> & {
  /** The layer's block of the parameters and of the gradients (null without parameters). */
  params: Float32Array | null;
  grads: Float32Array | null;
  /** The layer's block of the state (null without state); training updates it. */
  state: Float32Array | null;
};

export interface GpuLayerContext {
  k: KernelCache;
  /** The matmul variant, with the planner that decides under 'auto'. */
  variant: MatmulChoice | MatmulPolicy;
  opt: GPUBuffer;
  /** Plain SGD applied inside the weight-gradient matmul (no gradients stored). */
  fuseUpdate: boolean;
}
export type GpuLayerIO = LayerIO<GPUBuffer, GPUBuffer | ByteInput, GPUBuffer> & {
  /** The layer's block of the parameters, and of the gradients (absent when the update is fused). */
  params: Slice | null;
  grads: Slice | null;
  /** The layer's block of the state buffer (null without state); training updates it. */
  state: Slice | null;
};

export interface LayerModule<T extends LayerType> {
  readonly type: T;
  /** The --arch token's form, for help and errors: "convFkK[sS][pP]". */
  readonly syntax: string;
  /**
   * Its activation when the token names none ("conv6k5", "120"): the network's hidden
   * activation, or identity; null: it takes none (the token may not end in ":activation").
   */
  readonly activation: 'hidden' | 'identity' | null;
  /** It works on images (C, H, W): its input is not flattened, and a network with it takes an image. */
  readonly image: boolean;
  /** The layer a token describes (without any ":activation"), or null if the token is not of this type. */
  parse(token: string): LayerOf<T> | null;
  /** The token (without ":activation"). */
  text(layer: LayerOf<T>): string;
  /** The output's shape, or an Error saying why the input does not fit. */
  outShape(layer: LayerOf<T>, input: Shape3): Shape3 | Error;
  params(layer: LayerOf<T>, input: Shape3): ParamShape | null;
  /** Why it cannot train at batch size B (batch norm over one value per channel), or null; absent: it can. */
  trainingProblem?(r: ResolvedLayer<T>, B: number): string | null;
  /** Its untrained state (running statistics); absent or null: none. */
  state?(layer: LayerOf<T>, input: Shape3): StateShape | null;
  /**
   * How a model file stores the block's W (src/model/model-file.ts): PyTorch's shape, and
   * the engine index (within W) of each file element, or null when the layouts agree.
   */
  fileWeight(r: ResolvedLayer<T>): FileWeight | null;
  /** "conv 1: 6 filters 5×5, padding 2, relu" */
  describe(r: ResolvedLayer<T>): string;
  /**
   * Buffers besides output and gradient at batch size B; `variant`: the GPU's matmul choice,
   * for the GPU's workspace (a convolution without im2col needs no matrix), absent for the CPU's.
   */
  scratch(r: ResolvedLayer<T>, B: number, variant?: MatmulChoice | MatmulPolicy): ScratchSpec[];
  cpu: {
    forward(r: ResolvedLayer<T>, io: CpuLayerIO): void;
    /** Parameter gradients into io.grads, and io.dIn when it is not null. */
    backward(r: ResolvedLayer<T>, io: CpuLayerIO): void;
  };
  gpu: {
    /** `tag` starts the dispatches' labels ("train", "eval"). */
    forward(c: GpuLayerContext, r: ResolvedLayer<T>, io: GpuLayerIO, tag: string): Promise<Dispatch[]>;
    /**
     * Parameter gradients (or the fused SGD step), and io.dIn when it is not null; reads W
     * before any fused update changes it. `inputGradient` false: dIn is already written
     * (output_layer computes the output layer's).
     */
    backward(c: GpuLayerContext, r: ResolvedLayer<T>, io: GpuLayerIO, inputGradient: boolean): Promise<Dispatch[]>;
  };
}

export const plainInput = (x: GPUBuffer | ByteInput): GPUBuffer => {
  if ('bytes' in x) throw new Error('Only a dense layer reads its input as bytes.');
  return x;
};
