/** Small model files for tests, and surgery on their safetensors header. */
import { saveModel } from '../../src/model/model-file.ts';
import { paramLayout } from '../../src/model/layout.ts';
import type { ModelSpec } from '../../src/model/spec.ts';
import { denseNetwork } from '../../src/model/arch.ts';

export const SPEC: ModelSpec = { ...denseNetwork([4, 3, 2]), activation: 'relu', loss: 'cross-entropy', outputActivation: 'sigmoid', init: 'xavier' };

/** Parameters whose every float is distinct, padding left at 0 as the trainers keep it. */
export function params(spec: ModelSpec = SPEC): Float32Array {
  const layout = paramLayout(spec);
  const out = new Float32Array(layout.total);
  for (const b of layout.layers) {
    for (let i = 0; i < b.size; i++) out[b.offset + i] = (b.offset + i + 1) * 0.25 * (i % 2 ? -1 : 1);
  }
  return out;
}

export function modelFile(spec: ModelSpec = SPEC, notes: Record<string, string> = {}): Uint8Array {
  return saveModel(spec, params(spec), notes);
}

export type Header = Record<string, unknown> & { __metadata__?: Record<string, string> };

export function splitFile(bytes: Uint8Array): { header: Header; body: Uint8Array } {
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as Header,
    body: bytes.subarray(8 + size),
  };
}

/** A file with `header` (serialised as given, not padded) and `body`. */
export function joinFile(header: unknown, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** `bytes` with its header edited in place by `edit`; the body is kept. */
export function editHeader(bytes: Uint8Array, edit: (header: Header) => void): Uint8Array {
  const { header, body } = splitFile(bytes);
  edit(header);
  return joinFile(header, body);
}

/** `bytes` with the spec in its metadata replaced by `spec` (any JSON value, or raw text). */
export function withSpec(bytes: Uint8Array, spec: unknown): Uint8Array {
  return editHeader(bytes, (h) => {
    h.__metadata__!.spec = typeof spec === 'string' ? spec : JSON.stringify(spec);
  });
}
