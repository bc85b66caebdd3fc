/**
 * The convolution playground's maths: the lecture notes' kernels (notes 003, "Convolutional
 * Neural Network"), the output size (W − K + 2P)/S + 1, a kernel as a convolution layer's
 * parameter block, and the CPU twin of the whole playground (src/cpu/conv.ts and pool.ts).
 * web/worker/playground-gpu.ts runs the same on the GPU with the training kernels.
 *
 * Convolution layers compute cross-correlation (the kernel is not flipped); the notes'
 * convolution flips it. With `flip` the playground passes the flipped kernel (flipKernel),
 * so the layer computes the notes' convolution. The mean and Gaussian kernels are symmetric
 * and do not change; the derivative kernels change sign.
 *
 * A colour image (channels last, H×W×3) goes through as a convolution layer takes one: each
 * kernel is one filter over all three channels, a third of it on each (kernelBlock), so its
 * output is one channel, the kernel applied to the channels' mean; max pooling works on each
 * channel alone, so the pooled image stays in colour.
 */
import { colShape, conv2dForward, convGeometry, flipKernel } from '../../src/cpu/conv.ts';
import { maxPoolForward, poolGeometry } from '../../src/cpu/pool.ts';
import { outputLength } from '../../src/model/spec.ts';
import type { KernelId, PlaygroundImage, PlaygroundOutput, PlaygroundRequest } from '../shared/worker-protocol.ts';

export interface NoteKernel {
  id: KernelId;
  name: string;
  /** K × K, row-major, scale applied. */
  K: number;
  values: number[];
}

const scaled = (values: number[], divisor: number) => values.map((v) => v / divisor);

/** The notes' kernels. */
export const NOTE_KERNELS: Record<NoteKernel['id'], NoteKernel> = {
  mean: { id: 'mean', name: 'Mean 3×3 (1/9)', K: 3, values: scaled([1, 1, 1, 1, 1, 1, 1, 1, 1], 9) },
  gaussian: {
    id: 'gaussian',
    name: 'Gaussian 5×5 (/273)',
    K: 5,
    values: scaled([1, 4, 7, 4, 1, 4, 16, 26, 16, 4, 7, 26, 41, 26, 7, 4, 16, 26, 16, 4, 1, 4, 7, 4, 1], 273),
  },
  dx: { id: 'dx', name: 'X derivative (Sobel)', K: 3, values: [-1, 0, 1, -2, 0, 2, -1, 0, 1] },
  dy: { id: 'dy', name: 'Y derivative (Sobel)', K: 3, values: [-1, -2, -1, 0, 0, 0, 1, 2, 1] },
};

/** (W − K + 2P)/S + 1, with floor brackets when S does not divide W − K + 2P. */
export function sizeFormula(W: number, K: number, S: number, P: number): string {
  const out = outputLength(W, K, S, P);
  const inner = `${W} − ${K} + 2·${P}`;
  return (W - K + 2 * P) % S === 0 ? `(${inner})/${S} + 1 = ${out}` : `⌊(${inner})/${S}⌋ + 1 = ${out}`;
}

/** Output size of one image dimension pair, worked out (one formula for a square image). */
export function outputSizeText(H: number, W: number, K: number, S: number, P: number): string {
  const OH = outputLength(H, K, S, P);
  const OW = outputLength(W, K, S, P);
  const size = `${OH}×${OW}`;
  return H === W ? `${sizeFormula(W, K, S, P)}: ${size}` : `height ${sizeFormula(H, K, S, P)}, width ${sizeFormula(W, K, S, P)}: ${size}`;
}

/** Refuses settings that cannot work, naming the field. */
export function checkRequest(r: PlaygroundRequest): void {
  const whole = (v: number, min: number) => Number.isInteger(v) && v >= min;
  const problems: string[] = [];
  if (!whole(r.conv.stride, 1)) problems.push(`convolution stride ${r.conv.stride} must be a whole number ≥ 1`);
  if (!whole(r.conv.pad, 0)) problems.push(`convolution padding ${r.conv.pad} must be a whole number ≥ 0`);
  if (!whole(r.pool.size, 1)) problems.push(`pooling window ${r.pool.size} must be a whole number ≥ 1`);
  if (!whole(r.pool.stride, 1)) problems.push(`pooling stride ${r.pool.stride} must be a whole number ≥ 1`);
  if (!whole(r.pool.pad, 0)) problems.push(`pooling padding ${r.pool.pad} must be a whole number ≥ 0`);
  else if (r.pool.pad >= r.pool.size) problems.push(`pooling padding ${r.pool.pad} must be smaller than the window ${r.pool.size}`);
  if (problems.length) throw new Error(`Playground: ${problems.join('; ')}.`);
}

/**
 * A convolution layer's parameter block [W; b] for IC input channels and one output
 * channel per kernel (all K × K): W (CKP, OC) with W[(i·K + j)·IC + c, o] = kernel o at
 * (i, j) / IC (flipped first when `flip`), the kernel shared by the channels so that it
 * filters their mean; rows K·K·IC .. CKP − 1 and the bias 0.
 */
export function kernelBlock(kernels: NoteKernel[], flip: boolean, IC = 1): Float32Array {
  const K = kernels[0].K;
  const OC = kernels.length;
  const CKP = colShape(convGeometry(1, IC, K, K, OC, K, K, 1, 0)).cols;
  const wb = new Float32Array((CKP + 1) * OC);
  kernels.forEach((kernel, o) => {
    if (kernel.K !== K) throw new Error('kernelBlock: every kernel of one block must have the same size.');
    const k = flip ? flipKernel(kernel.values, K, K) : kernel.values;
    for (let r = 0; r < K * K; r++) for (let c = 0; c < IC; c++) wb[(r * IC + c) * OC + o] = k[r] / IC;
  });
  return wb;
}

/** The convolutions the playground runs: one layer per kernel size, the two derivatives as one layer of two filters. */
export const PLAYGROUND_CONVS: NoteKernel[][] = [[NOTE_KERNELS.mean], [NOTE_KERNELS.gaussian], [NOTE_KERNELS.dx, NOTE_KERNELS.dy]];

/** Channel o of an (N, OC) channels-last output. */
function channelOf(values: ArrayLike<number>, OC: number, o: number): Float32Array {
  const out = new Float32Array(values.length / OC);
  for (let p = 0; p < out.length; p++) out[p] = values[p * OC + o];
  return out;
}

/** √(Gx² + Gy²), pixel by pixel. */
function magnitude(gx: Float32Array, gy: Float32Array): Float32Array {
  return gx.map((x, p) => Math.hypot(x, gy[p]));
}

/**
 * The outputs in the order the page shows them, from each convolution's (OH·OW, OC) output
 * (null where the kernel does not fit) and the pooled image (OH·OW, C): the Sobel magnitude
 * joins the two derivatives.
 */
export function assembleOutputs(
  image: PlaygroundInput, r: PlaygroundRequest, convOut: (Float32Array | null)[], pooled: Float32Array | null,
): PlaygroundOutput[] {
  const { height: H, width: W, channels: C } = image;
  const { stride: S, pad: P } = r.conv;
  const outputs: PlaygroundOutput[] = [];
  const shape = (K: number, s: number, p: number) => ({ height: outputLength(H, K, s, p), width: outputLength(W, K, s, p) });
  const tooSmall = (K: number, s: number, p: number) => {
    const { height, width } = shape(K, s, p);
    return `the ${K}×${K} window does not fit the ${H}×${W} image with padding ${p}: the output would be ${height}×${width}`;
  };
  PLAYGROUND_CONVS.forEach((kernels, l) => {
    const K = kernels[0].K;
    const common = { formula: outputSizeText(H, W, K, S, P), ...shape(K, S, P) };
    const out = convOut[l];
    kernels.forEach((kernel, o) => {
      const signed = kernel.id === 'dx' || kernel.id === 'dy';
      outputs.push(out
        ? { id: kernel.id, name: kernel.name, ...common, channels: 1, values: channelOf(out, kernels.length, o), signed }
        : { id: kernel.id, name: kernel.name, ...common, channels: 1, values: new Float32Array(0), signed, error: tooSmall(K, S, P) });
    });
    if (kernels.length === 2) {
      const name = 'Sobel magnitude √(Gx² + Gy²)';
      outputs.push(out
        ? { id: 'sobel', name, ...common, channels: 1, values: magnitude(channelOf(out, 2, 0), channelOf(out, 2, 1)), signed: false }
        : { id: 'sobel', name, ...common, channels: 1, values: new Float32Array(0), signed: false, error: tooSmall(K, S, P) });
    }
  });
  const { size, stride, pad } = r.pool;
  const poolName = `Max pooling ${size}×${size}, stride ${stride}, padding ${pad}`;
  const poolCommon = {
    id: 'pool' as const, name: poolName, formula: outputSizeText(H, W, size, stride, pad), ...shape(size, stride, pad), channels: C, signed: false,
  };
  outputs.push(pooled ? { ...poolCommon, values: pooled } : { ...poolCommon, values: new Float32Array(0), error: tooSmall(size, stride, pad) });
  return outputs;
}

/** Whether a K × K window with stride S and padding P leaves at least one output pixel. */
export function fits(H: number, W: number, K: number, S: number, P: number): boolean {
  return outputLength(H, K, S, P) >= 1 && outputLength(W, K, S, P) >= 1;
}

/** The image as the network sees it: bytes / 255. */
export const imageValues = (pixels: Uint8Array) => Float32Array.from(pixels, (p) => p / 255);

/** The image the playground filters: gray or colour bytes, channels last (H×W×C). */
export type PlaygroundInput = Pick<PlaygroundImage, 'pixels' | 'height' | 'width' | 'channels'>;

/** The whole playground on the CPU twins (src/cpu/conv.ts conv2dForward, src/cpu/pool.ts maxPoolForward). */
export function runPlaygroundCpu(image: PlaygroundInput, r: PlaygroundRequest): PlaygroundOutput[] {
  checkRequest(r);
  const { height: H, width: W, channels: C } = image;
  const x = imageValues(image.pixels);
  const { stride: S, pad: P, flip } = r.conv;
  const convOut = PLAYGROUND_CONVS.map((kernels) => {
    const K = kernels[0].K;
    if (!fits(H, W, K, S, P)) return null;
    const g = convGeometry(1, C, H, W, kernels.length, K, K, S, P);
    const { rows, cols } = colShape(g);
    const out = new Float32Array(rows * kernels.length);
    conv2dForward(out, new Float32Array(rows * cols), x, kernelBlock(kernels, flip, C), g, 'identity');
    return out;
  });
  const { size, stride, pad } = r.pool;
  let pooled: Float32Array | null = null;
  if (fits(H, W, size, stride, pad)) {
    const g = poolGeometry(1, C, H, W, size, stride, pad);
    pooled = new Float32Array(g.OH * g.OW * C);
    maxPoolForward(pooled, new Uint32Array(pooled.length), x, g);
  }
  return assembleOutputs(image, r, convOut, pooled);
}
