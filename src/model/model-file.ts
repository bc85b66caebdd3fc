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

/** Whether a parsed JSON value describes a network (saved models and checkpoints both hold one). */
export function isModelSpec(value: unknown): value is ModelSpec {
  const spec = value as ModelSpec | null;
  return (
    typeof spec === 'object' && spec !== null &&
    Array.isArray(spec.sizes) && spec.sizes.length >= 2 && spec.sizes.every((n) => Number.isSafeInteger(n) && n > 0) &&
    (ACTIVATIONS as readonly string[]).includes(spec.activation) &&
    (ACTIVATIONS as readonly string[]).includes(spec.outputActivation) &&
    (LOSSES as readonly string[]).includes(spec.loss) && (INITS as readonly string[]).includes(spec.init)
  );
}

function parseSpec(text: string | undefined): ModelSpec {
  if (text === undefined) throw new SafetensorsError('no "spec" in the metadata: this file was not written by wgtrain');
  let spec: ModelSpec;
  try {
    spec = JSON.parse(text) as ModelSpec;
  } catch {
    throw new SafetensorsError('the "spec" metadata is not valid JSON');
  }
  if (!isModelSpec(spec)) throw new SafetensorsError(`the "spec" metadata does not describe a network: ${text.slice(0, 200)}`);
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
  const arch = spec.sizes.join('-');
  const layout = paramLayout(spec);
  const wanted = layout.layers.flatMap((b, l) => [
    { name: `layers.${l}.weight`, shape: [b.C, b.OC], at: b.offset },
    { name: `layers.${l}.bias`, shape: [b.OC], at: b.offset + b.weights },
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
  for (const { name } of wanted) {
    const data = tensors.get(name)!.data;
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`tensor ${name} holds ${data[bad]} at index ${bad}; a model holds only finite numbers`);
  }
  const params = new Float32Array(layout.total);
  for (const { name, at } of wanted) params.set(tensors.get(name)!.data, at);
  return { spec, layout, params, metadata };
}
