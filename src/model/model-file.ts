/**
 * Saved models: safetensors with one F32 tensor per layer parameter and the architecture in
 * the metadata, readable by the CLI, the page and any safetensors library. Layers with
 * parameters are numbered in order, convolutions first (pooling layers have none):
 *   layers.<l>.weight  convolution: (OC, IC, KH, KW), exactly torch.nn.Conv2d's weight
 *                      dense:       (C, OC), W as the engine stores it: y = x·W + b
 *                                   (torch.nn.Linear's weight is its transpose)
 *   layers.<l>.bias    (OC)
 *   __metadata__: format "wgtrain", spec (JSON ModelSpec), and free-form notes.
 * docs/model-files.md shows the PyTorch module a file loads into.
 */
import { paramLayout, type LayerBlock, type ParamLayout } from './layout.ts';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors.ts';
import { ACTIVATIONS, architectureText, INITS, LOSSES, parseNetwork, resolveFeatures, type ModelSpec } from './spec.ts';

/**
 * Where each stored weight of a block comes from in the engine's block: fileIndex → engine
 * index, for the layers whose layouts differ.
 *   convolution: file (OC, IC, KH, KW) ← engine W[(i·KW + j)·IC + c, o] (im2col row order)
 *   the first dense layer after convolutions: file rows in PyTorch's flatten order (c, h, w)
 *     ← engine rows in channels-last order (h, w, c)
 */
interface TensorPlan {
  shape: number[];
  /** Engine offset (within W) of each file element, or null when the layouts agree. */
  gather: Uint32Array | null;
}

function tensorPlans(spec: ModelSpec, layout: ParamLayout): TensorPlan[] {
  const features = resolveFeatures(spec);
  const convs = features.filter((f) => f.layer.type === 'conv');
  let c = 0;
  let firstDense = true;
  return layout.layers.map((b: LayerBlock) => {
    if (b.kind === 'dense') {
      const plan: TensorPlan = { shape: [b.C, b.OC], gather: null };
      if (firstDense && features.length) {
        const { channels: C, height: H, width: W } = features[features.length - 1].out;
        const gather = new Uint32Array(b.C * b.OC);
        for (let ch = 0; ch < C; ch++) {
          for (let h = 0; h < H; h++) {
            for (let w = 0; w < W; w++) {
              const fileRow = (ch * H + h) * W + w;
              const engineRow = (h * W + w) * C + ch;
              for (let o = 0; o < b.OC; o++) gather[fileRow * b.OC + o] = engineRow * b.OC + o;
            }
          }
        }
        plan.gather = gather;
      }
      firstDense = false;
      return plan;
    }
    const f = convs[c++];
    const l = f.layer as Extract<typeof f.layer, { type: 'conv' }>;
    const IC = f.in.channels;
    const gather = new Uint32Array(l.filters * IC * l.kh * l.kw);
    for (let o = 0; o < l.filters; o++) {
      for (let ch = 0; ch < IC; ch++) {
        for (let i = 0; i < l.kh; i++) {
          for (let j = 0; j < l.kw; j++) gather[((o * IC + ch) * l.kh + i) * l.kw + j] = ((i * l.kw + j) * IC + ch) * b.OC + o;
        }
      }
    }
    return { shape: [l.filters, IC, l.kh, l.kw], gather };
  });
}

export const MODEL_FORMAT = 'wgtrain';

export interface SavedModel {
  spec: ModelSpec;
  layout: ParamLayout;
  params: Float32Array;
  metadata: Record<string, string>;
}

export function saveModel(spec: ModelSpec, params: Float32Array, notes: Record<string, string> = {}): Uint8Array {
  const layout = paramLayout(spec);
  const plans = tensorPlans(spec, layout);
  const tensors = layout.layers.flatMap((b, l) => [
    {
      name: `layers.${l}.weight`,
      shape: plans[l].shape,
      data: plans[l].gather ? Float32Array.from(plans[l].gather!, (i) => params[b.offset + i]) : params.slice(b.offset, b.offset + b.weights),
    },
    { name: `layers.${l}.bias`, shape: [b.OC], data: params.slice(b.offset + b.weights, b.offset + b.size) },
  ]);
  return writeSafetensors(tensors, { ...notes, format: MODEL_FORMAT, spec: JSON.stringify(spec) });
}

function parseSpec(text: string | undefined): ModelSpec {
  if (text === undefined) throw new SafetensorsError('no "spec" in the metadata: this file was not written by wgtrain');
  let spec: ModelSpec;
  try {
    spec = JSON.parse(text) as ModelSpec;
  } catch {
    throw new SafetensorsError('the "spec" metadata is not valid JSON');
  }
  const ok =
    Array.isArray(spec?.sizes) && spec.sizes.length >= 2 && spec.sizes.every((n) => Number.isSafeInteger(n) && n > 0) &&
    (ACTIVATIONS as readonly string[]).includes(spec.activation) &&
    (ACTIVATIONS as readonly string[]).includes(spec.outputActivation) &&
    (LOSSES as readonly string[]).includes(spec.loss) && (INITS as readonly string[]).includes(spec.init);
  if (!ok) throw new SafetensorsError(`the "spec" metadata does not describe a network: ${text.slice(0, 200)}`);
  if (spec.features !== undefined || spec.input !== undefined) {
    // A network with convolutions: its layers must be what the --arch syntax describes.
    try {
      const parsed = parseNetwork(architectureText(spec));
      if (JSON.stringify(parsed.features) !== JSON.stringify(spec.features) || parsed.sizes.join() !== spec.sizes.join()) throw new Error('inconsistent');
    } catch {
      throw new SafetensorsError(`the "spec" metadata does not describe a valid convolutional network: ${text.slice(0, 300)}`);
    }
  }
  return spec;
}

/** Reads a model, refusing tensors that are missing or do not match the architecture. */
export function loadModel(bytes: Uint8Array): SavedModel {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== MODEL_FORMAT) {
    const found = metadata.format === undefined ? 'no "format"' : `format ${JSON.stringify(metadata.format)}`;
    throw new SafetensorsError(`the metadata has ${found}, expected "${MODEL_FORMAT}": this is not a wgtrain model`);
  }
  const spec = parseSpec(metadata.spec);
  const arch = architectureText(spec);
  const layout = paramLayout(spec);
  const plans = tensorPlans(spec, layout);
  const wanted = layout.layers.flatMap((b, l) => [
    { name: `layers.${l}.weight`, shape: plans[l].shape, at: b.offset, gather: plans[l].gather },
    { name: `layers.${l}.bias`, shape: [b.OC], at: b.offset + b.weights, gather: null },
  ]);
  // Every tensor is checked against the architecture before anything is allocated for it,
  // so a spec claiming a huge network cannot request more memory than the file holds.
  for (const { name, shape } of wanted) {
    const t = tensors.get(name);
    if (!t) throw new SafetensorsError(`tensor ${name} is missing for architecture ${arch}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError(
        `tensor ${name} has shape [${t.shape.join(', ')}], but architecture ${arch} needs [${shape.join(', ')}]`,
      );
    }
  }
  const names = new Set(wanted.map((w) => w.name));
  const extra = [...tensors.keys()].filter((n) => !names.has(n));
  if (extra.length > 0) {
    throw new SafetensorsError(`unexpected tensors for architecture ${arch}: ${extra.join(', ')}`);
  }
  const params = new Float32Array(layout.total);
  for (const { name, at, gather } of wanted) {
    const data = tensors.get(name)!.data;
    if (gather) gather.forEach((engine, file) => (params[at + engine] = data[file]));
    else params.set(data, at);
  }
  return { spec, layout, params, metadata };
}
