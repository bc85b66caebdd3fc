/**
 * Saved models: safetensors with one F32 tensor per layer parameter and the architecture in
 * the metadata, readable by the CLI, the page and any safetensors library. Layers with
 * parameters are numbered in order (pooling layers have none); each layer's module
 * (src/layers) says how its weight is stored (fileWeight):
 *   layers.<l>.weight  convolution: (OC, IC, KH, KW), exactly torch.nn.Conv2d's weight
 *                      dense:       (C, OC), W as the engine stores it: y = x·W + b
 *                                   (torch.nn.Linear's weight is its transpose)
 *   layers.<l>.bias    (OC)
 *   batch normalization: layers.<l>.weight (γ) and .bias (β), (C) each, and its state,
 *                      layers.<l>.running_mean and .running_var (C): torch.nn.BatchNorm2d's
 *                      (BatchNorm1d's after a dense layer) names and shapes
 *   __metadata__: format "wgtrain", spec (JSON ModelSpec: input and layers; files written
 *                 before the layer list hold dense `sizes` and `features`, still read),
 *                 classNames (JSON array, one name per output; absent: the classes are the
 *                 digits 0, 1, …, as in files written before names), and free-form notes.
 * docs/model-files.md shows the PyTorch module a file loads into.
 */
import { moduleOf } from '../layers/index.ts';
import type { FileWeight } from '../layers/layer.ts';
import { architectureText, parseNetwork } from './arch.ts';
import { paramLayout, stateLayout } from './layout.ts';
import { initState, type ParamLayout, type StateLayout } from './param-block.ts';
import { resolveNetwork } from './network.ts';
import { readSafetensors, SafetensorsError, writeSafetensors } from './safetensors.ts';
import { layerShapes } from './shapes.ts';
import { ACTIVATIONS, flatShape, INITS, LOSSES, shapeSize, type Layer, type ModelSpec, type Network, type Shape3 } from './spec.ts';

/** Each parameter block's weight tensor as the file stores it, in block order. */
function tensorPlans(spec: ModelSpec): FileWeight[] {
  const { layers } = resolveNetwork(spec);
  return layers.flatMap((r) => {
    const plan = moduleOf(r.layer).fileWeight(r as never);
    return plan ? [plan] : [];
  });
}

export const MODEL_FORMAT = 'wgtrain';

export interface SavedModel {
  spec: ModelSpec;
  layout: ParamLayout;
  params: Float32Array;
  /** Untrained layer state (batch norm's running statistics, stateLayout); empty without any. */
  state: Float32Array;
  metadata: Record<string, string>;
  /** One name per class, when the file names them (the data set's, saved by `train`). */
  classNames?: string[];
}

/** Each state vector's file name and where it sits in the state buffer; `l` numbers the parameter blocks. */
function stateTensors(layout: ParamLayout, states: StateLayout): { name: string; at: number; length: number }[] {
  return states.layers.flatMap((s) => {
    const l = layout.layers.findIndex((b) => b.layer === s.layer);
    if (l < 0) throw new Error(`Layer ${s.layer + 1} keeps state but has no parameters to number it by.`);
    let at = s.offset;
    return s.tensors.map((t) => ({ name: `layers.${l}.${t.name}`, at: (at += t.length) - t.length, length: t.length }));
  });
}

/** The metadata entry that names a model's classes (saveModel's notes take it), from the data set's names. */
export function classNamesNote(names: readonly string[] | undefined): { classNames?: string } {
  return names ? { classNames: JSON.stringify(names) } : {};
}

/** The class names a file's metadata holds, checked: K strings, or none. */
function readClassNames(metadata: Record<string, string>, K: number): string[] | undefined {
  const text = metadata.classNames;
  if (text === undefined) return undefined;
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    names = null;
  }
  if (!Array.isArray(names) || names.length !== K || !names.every((n) => typeof n === 'string')) {
    throw new SafetensorsError(`the "classNames" metadata must be a JSON array of ${K} strings, one per output; found ${text.slice(0, 200)}`);
  }
  return names as string[];
}

/**
 * `state` (stateLayout(spec)) is needed when the network keeps any (batch normalization);
 * `notes` go into the metadata (classNamesNote names the classes).
 */
export function saveModel(spec: ModelSpec, params: Float32Array, notes: Record<string, string> = {}, state?: Float32Array): Uint8Array {
  const layout = paramLayout(spec);
  const states = stateLayout(spec);
  if (states.total > 0 && state?.length !== states.total) {
    throw new Error(`Saving ${architectureText(spec)} needs its layer state (running statistics), ${states.total} values.`);
  }
  const plans = tensorPlans(spec);
  const tensors = layout.layers.flatMap((b, l) => [
    {
      name: `layers.${l}.weight`,
      shape: plans[l].shape,
      data: plans[l].gather ? Float32Array.from(plans[l].gather!, (i) => params[b.offset + i]) : params.slice(b.offset, b.offset + b.weights),
    },
    { name: `layers.${l}.bias`, shape: [b.OC], data: params.slice(b.offset + b.weights, b.offset + b.size) },
  ]);
  for (const t of stateTensors(layout, states)) tensors.push({ name: t.name, shape: [t.length], data: state!.slice(t.at, t.at + t.length) });
  return writeSafetensors(tensors, { ...notes, format: MODEL_FORMAT, spec: JSON.stringify(spec) });
}

/** JSON with its objects' keys sorted, for comparing structures. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * The layers of a spec written before networks were one list of layers: dense `sizes`
 * (input first), and for convolutional networks `input` and `features` (conv, pool) in front.
 */
function legacyNetwork(spec: { sizes: unknown; input?: unknown; features?: unknown }): Network | null {
  const { sizes, features } = spec;
  if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isSafeInteger(n) && n > 0)) return null;
  if (features !== undefined && !Array.isArray(features)) return null;
  const front = ((features ?? []) as Record<string, unknown>[]).map((f) =>
    f?.type === 'pool' ? { type: 'maxpool', size: f.size, stride: f.stride, pad: f.pad } : { ...f },
  ) as Layer[];
  const input = front.length ? (spec.input as Shape3) : flatShape(sizes[0] as number);
  if (front.length && shapeSize(layerShapes({ input, layers: front }).at(-1)!.out) !== sizes[0]) return null;
  return { input, layers: [...front, ...sizes.slice(1).map((units: number) => ({ type: 'dense' as const, units }))] };
}

/**
 * The network a parsed JSON value describes (saved models and checkpoints both hold one),
 * in today's form; null if it describes none. Specs of older files (dense `sizes`, and
 * `features` + `sizes`) are converted.
 */
export function readModelSpec(value: unknown): ModelSpec | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const settingsOk =
    (ACTIVATIONS as readonly unknown[]).includes(v.activation) && (ACTIVATIONS as readonly unknown[]).includes(v.outputActivation) &&
    (LOSSES as readonly unknown[]).includes(v.loss) && (INITS as readonly unknown[]).includes(v.init);
  if (!settingsOk) return null;
  try {
    const net = 'sizes' in v ? legacyNetwork(v as { sizes: unknown }) : { input: v.input as Shape3, layers: v.layers as Layer[] };
    if (!net || !Array.isArray(net.layers)) return null;
    // The layers must be exactly what their --arch text describes.
    const parsed = parseNetwork(architectureText(net));
    if (canonical(parsed) !== canonical({ input: net.input, layers: net.layers })) return null;
    const { activation, loss, outputActivation, init } = v as unknown as ModelSpec;
    return { ...parsed, activation, loss, outputActivation, init };
  } catch {
    return null;
  }
}

function parseSpec(text: string | undefined): ModelSpec {
  if (text === undefined) throw new SafetensorsError('no "spec" in the metadata: this file was not written by wgtrain');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SafetensorsError('the "spec" metadata is not valid JSON');
  }
  const spec = readModelSpec(json);
  if (!spec) {
    const v = (json ?? {}) as { features?: unknown; layers?: unknown };
    const spatial = v.features !== undefined || (Array.isArray(v.layers) && v.layers.some((l: { type?: unknown } | null) => l?.type !== 'dense'));
    const what = spatial ? 'a valid convolutional network' : 'a network';
    throw new SafetensorsError(`the "spec" metadata does not describe ${what}: ${text.slice(0, 300)}`);
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
  const states = stateLayout(spec);
  const plans = tensorPlans(spec);
  const wanted: { name: string; shape: number[]; at: number; gather: Uint32Array | null; into: 'params' | 'state' }[] = [
    ...layout.layers.flatMap((b, l) => [
      { name: `layers.${l}.weight`, shape: plans[l].shape, at: b.offset, gather: plans[l].gather, into: 'params' as const },
      { name: `layers.${l}.bias`, shape: [b.OC], at: b.offset + b.weights, gather: null, into: 'params' as const },
    ]),
    ...stateTensors(layout, states).map((t) => ({ name: t.name, shape: [t.length], at: t.at, gather: null, into: 'state' as const })),
  ];
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
  const state = initState(states);
  for (const { name, at, gather, into } of wanted) {
    const data = tensors.get(name)!.data;
    const target = into === 'state' ? state : params;
    if (gather) gather.forEach((engine, file) => (target[at + engine] = data[file]));
    else target.set(data, at);
  }
  const classNames = readClassNames(metadata, layout.layers.at(-1)!.OC);
  return { spec, layout, params, state, metadata, ...(classNames ? { classNames } : {}) };
}
