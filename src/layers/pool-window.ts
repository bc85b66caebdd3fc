/**
 * What max and average pooling share: a K×K window with stride S (default K) and padding P,
 * its --arch token `<prefix>K[sS][pP]`, its shape rule and its geometry at a batch size.
 */
import { poolGeometry, type PoolGeometry } from '../cpu/pool.ts';
import { outputLength, type Shape3 } from '../model/spec.ts';

export interface PoolWindow {
  size: number;
  stride: number;
  pad: number;
}

/** The window a token `<prefix>K[sS][pP]` describes, or null. */
export function parseWindow(prefix: string, token: string): PoolWindow | null {
  const m = new RegExp(`^${prefix}([1-9][0-9]*)(?:s([1-9][0-9]*))?(?:p(0|[1-9][0-9]*))?$`).exec(token);
  if (!m) return null;
  const size = Number(m[1]);
  return { size, stride: m[2] ? Number(m[2]) : size, pad: m[3] ? Number(m[3]) : 0 };
}

/** The token, defaults left out: "pool2", "avgpool3s2p1". */
export const windowText = (prefix: string, w: PoolWindow) =>
  `${prefix}${w.size}${w.stride !== w.size ? `s${w.stride}` : ''}${w.pad ? `p${w.pad}` : ''}`;

/** "2×2, stride 1, padding 1", defaults left out. */
export const windowDescription = (w: PoolWindow) =>
  `${w.size}×${w.size}${w.stride !== w.size ? `, stride ${w.stride}` : ''}${w.pad ? `, padding ${w.pad}` : ''}`;

/** The output's shape (channels kept), or why the window does not fit. */
export function windowShape(w: PoolWindow, input: Shape3): Shape3 | Error {
  if (w.pad >= w.size) return new Error(`pooling padding ${w.pad} must be smaller than the window ${w.size}`);
  const height = outputLength(input.height, w.size, w.stride, w.pad);
  const width = outputLength(input.width, w.size, w.stride, w.pad);
  if (height < 1 || width < 1) {
    return new Error(`its ${w.size}×${w.size} window does not fit its ${input.height}×${input.width} input with padding ${w.pad}: the output would be smaller than 1×1`);
  }
  return { channels: input.channels, height, width };
}

/** The pooling's sizes over an input at batch size B. */
export function windowGeometry(w: PoolWindow, input: Shape3, B: number): PoolGeometry {
  return poolGeometry(B, input.channels, input.height, input.width, w.size, w.stride, w.pad);
}
