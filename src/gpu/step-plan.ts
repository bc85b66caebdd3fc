/**
 * Every decision about how a trainer's step runs, made once before anything is built (as
 * tfjs's BatchMatMul_impl picks the program first and only then builds it): the matmul
 * variant, whether the first layer reads bytes (not when the gather augments), whether plain SGD is fused into the weight
 * gradients, whether the output layer runs as one kernel, chunk sizes. The step builders
 * (step.ts) follow the plan and choose nothing themselves. Splits of k are the tuner's, per
 * matmul shape, when the variant is 'auto'.
 */
import type { ResolvedNetwork } from '../model/network.ts';
import { shapeSize } from '../model/spec.ts';
import { allocateScratch } from '../cpu/network.ts';
import { optimizerOf, type TrainConfig } from '../train/config.ts';
import { constantWithinEpochs } from '../train/schedule.ts';
import type { GpuContext } from './device.ts';
import type { KernelCache } from './kernels.ts';
import { byteInputFits, policyOf, type MatmulChoice, type MatmulPolicy } from './matmul-plans.ts';
import { outputLayerFits, tunedOutputFusion } from './ops/output-layer.ts';

export interface StepPlan {
  /** The matmul variant, with the planner that decides under 'auto'. */
  variant: MatmulPolicy;
  /**
   * Layer 1 reads its input batch as bytes (matmul_vec4_u8): a quarter of the memory and of
   * the loads of the two largest matmuls, where the first layer is dense and vec4 fits it.
   */
  bytesInput: boolean;
  /**
   * The training gather transforms each image (augment_gather: TrainConfig.augment); its
   * batch is floats, so layer 1 never reads bytes then. Evaluation gathers plainly.
   */
  augment: boolean;
  /**
   * Plain SGD applied inside each weight-gradient matmul; no gradients stored. Only where η
   * is constant within each epoch (the step schedule without warm-up): the fused paths read
   * the epoch's rate from the optimiser buffer, the update kernels each mini-batch's.
   */
  fuseUpdate: boolean;
  /** The output layer's forward, loss, dZ and the previous layer's dH in one kernel (output_layer.wgsl). */
  fuseOutput: boolean;
  /** Per-step stats rows: B (loss, correct) pairs with the fused output layer, else one sum. */
  statsRows: number;
  stepsPerSubmit: number;
  evalChunk: number;
}

/** What a trainer's options ask for; absent: decided here. */
export interface StepRequest {
  variant: MatmulChoice | MatmulPolicy;
  fuseUpdate?: boolean;
  fuseOutput?: boolean | 'auto';
  stepsPerSubmit?: number;
  evalChunk?: number;
}

/**
 * Rows per validation chunk: 1000, or fewer for networks whose layers' scratch (a
 * convolution's im2col matrix, where the GPU keeps one: LayerModule.scratch) grows with it:
 * at most 64 MiB each.
 */
export function defaultEvalChunk(net: ResolvedNetwork, variant: MatmulChoice | MatmulPolicy): number {
  const perSample = Math.max(0, ...allocateScratch(net.layers, 1, false, (s) => s.count * 4, variant).flatMap((r) => Object.values(r)));
  return perSample === 0 ? 1000 : Math.max(1, Math.min(1000, Math.floor(2 ** 26 / perSample)));
}

export async function planStep(
  k: KernelCache, ctx: GpuContext, config: TrainConfig, net: ResolvedNetwork, request: StepRequest,
): Promise<StepPlan> {
  const B = config.batch;
  const variant = policyOf(request.variant);
  const first = net.layers[0];
  const out = net.layers[net.layers.length - 1];
  const [C, OC] = [shapeSize(first.in), shapeSize(first.out)];
  const augment = Boolean(config.augment?.affine || config.augment?.elastic);
  const bytesInput =
    !augment &&
    first.layer.type === 'dense' &&
    (variant.variant === 'auto' ? Boolean(await variant.planner?.byteInput(B, C, OC)) : byteInputFits(variant.variant, B, C, OC));
  // output_layer reads its input as floats: not a byte batch (a network of one dense layer).
  const K = shapeSize(out.out);
  const fusable = !(bytesInput && out.index === 0) && outputLayerFits(ctx.device, K);
  const fuseOutput =
    fusable &&
    (request.fuseOutput === undefined || request.fuseOutput === 'auto'
      ? await tunedOutputFusion(k, variant, B, shapeSize(out.in), K, config.model.loss, config.model.outputActivation, out.prevAct)
      : request.fuseOutput);
  return {
    variant,
    bytesInput,
    augment,
    fuseUpdate: (request.fuseUpdate ?? true) && optimizerOf(config) === 'sgd' && constantWithinEpochs(config),
    fuseOutput,
    statsRows: fuseOutput ? B : 1,
    stepsPerSubmit: request.stepsPerSubmit ?? 100,
    evalChunk: request.evalChunk ?? defaultEvalChunk(net, variant),
  };
}
