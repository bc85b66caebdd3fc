/**
 * Saved models: safetensors with one F32 tensor per layer parameter and the architecture in
 * the metadata, readable by the CLI, the page and any safetensors library.
 *   layers.<l>.weight  (C, OC)  W as the engine stores it: y = x·W + b
 *   layers.<l>.bias    (OC)
 *   __metadata__: format "wgtrain", spec (JSON ModelSpec), and free-form notes.
 */
import { paramLayout, type ParamLayout } from './layout.ts';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors.ts';
import { ACTIVATIONS, INITS, LOSSES, type ModelSpec } from './spec.ts';

export const MODEL_FORMAT = 'wgtrain';

export interface SavedModel {
  spec: ModelSpec;
  layout: ParamLayout;
  params: Float32Array;
  metadata: Record<string, string>;
}

export function saveModel(spec: ModelSpec, params: Float32Array, notes: Record<string, string> = {}): Uint8Array {
  const layout = paramLayout(spec);
  const tensors = layout.layers.flatMap((b, l) => [
    { name: `layers.${l}.weight`, shape: [b.C, b.OC], data: params.slice(b.offset, b.offset + b.weights) },
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
    Array.isArray(spec?.sizes) && spec.sizes.length >= 2 && spec.sizes.every((n) => Number.isInteger(n) && n > 0) &&
    (ACTIVATIONS as readonly string[]).includes(spec.activation) &&
    (ACTIVATIONS as readonly string[]).includes(spec.outputActivation) &&
    (LOSSES as readonly string[]).includes(spec.loss) && (INITS as readonly string[]).includes(spec.init);
  if (!ok) throw new SafetensorsError(`the "spec" metadata does not describe a network: ${text.slice(0, 200)}`);
  return spec;
}

/** Reads a model, refusing tensors that are missing or do not match the architecture. */
export function loadModel(bytes: Uint8Array): SavedModel {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== MODEL_FORMAT) {
    throw new SafetensorsError(`metadata format is ${JSON.stringify(metadata.format)}, expected "${MODEL_FORMAT}"`);
  }
  const spec = parseSpec(metadata.spec);
  const layout = paramLayout(spec);
  const params = new Float32Array(layout.total);
  layout.layers.forEach((b, l) => {
    for (const [name, shape, at] of [
      [`layers.${l}.weight`, [b.C, b.OC], b.offset],
      [`layers.${l}.bias`, [b.OC], b.offset + b.weights],
    ] as const) {
      const t = tensors.get(name);
      if (!t) throw new SafetensorsError(`tensor ${name} is missing for architecture ${spec.sizes.join('-')}`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new SafetensorsError(`tensor ${name} has shape [${t.shape}], but architecture ${spec.sizes.join('-')} needs [${shape}]`);
      }
      params.set(t.data, at);
    }
  });
  const expected = layout.layers.length * 2;
  if (tensors.size !== expected) {
    const extra = [...tensors.keys()].filter((n) => !/^layers\.\d+\.(weight|bias)$/.test(n) || Number(n.split('.')[1]) >= layout.layers.length);
    throw new SafetensorsError(`unexpected tensors for architecture ${spec.sizes.join('-')}: ${extra.join(', ')}`);
  }
  return { spec, layout, params, metadata };
}
