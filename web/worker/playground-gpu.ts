/**
 * The convolution playground on the GPU, with the kernels training uses (src/gpu/ops/conv.ts, ops/pool.ts):
 * each kernel size is one convolution layer, im2col followed by the forward matmul (bias 0,
 * identity activation), the two derivatives one layer of two filters; max pooling is
 * maxPoolForward. Everything is encoded in one pass and submitted once; the Sobel magnitude
 * √(Gx² + Gy²) is then taken from the two derivative channels in TypeScript (one hypot per
 * pixel is not worth a kernel of its own). web/worker/conv-playground.ts runPlaygroundCpu is the twin.
 */
import { colShape, convGeometry } from '../../src/cpu/conv.ts';
import { poolGeometry } from '../../src/cpu/pool.ts';
import { readFloats, storageBuffer } from '../../src/gpu/buffers.ts';
import { conv2dForward } from '../../src/gpu/ops/conv.ts';
import { maxPoolForward } from '../../src/gpu/ops/pool.ts';
import type { KernelCache } from '../../src/gpu/kernels.ts';
import { destroyDispatch, encodeDispatch, type Dispatch } from '../../src/gpu/dispatch.ts';
import type { MatmulVariant } from '../../src/gpu/matmul-plans.ts';
import type { PlaygroundOutput, PlaygroundRequest } from '../shared/worker-protocol.ts';
import { assembleOutputs, checkRequest, fits, imageValues, kernelBlock, PLAYGROUND_CONVS, type PlaygroundInput } from './conv-playground.ts';

/**
 * `variant`: the matmul the convolutions use; vec4 (the trainer's usual choice) falls back to
 * the register-blocked kernel where a layer's shape does not fit it, as in training.
 */
export async function runPlaygroundGpu(
  k: KernelCache, image: PlaygroundInput, r: PlaygroundRequest, variant: MatmulVariant = 'vec4',
): Promise<PlaygroundOutput[]> {
  checkRequest(r);
  const { height: H, width: W, channels: C } = image;
  const d = k.device;
  const buffers: GPUBuffer[] = [];
  const buffer = (label: string, data: number | ArrayBufferView) => {
    const b = storageBuffer(d, `playground ${label}`, data);
    buffers.push(b);
    return b;
  };
  const dispatches: Dispatch[] = [];
  try {
    const x = buffer('image', imageValues(image.pixels));
    const { stride: S, pad: P, flip } = r.conv;
    const convs: ({ out: GPUBuffer; floats: number } | null)[] = [];
    for (const kernels of PLAYGROUND_CONVS) {
      const K = kernels[0].K;
      if (!fits(H, W, K, S, P)) {
        convs.push(null);
        continue;
      }
      const g = convGeometry(1, C, H, W, kernels.length, K, K, S, P);
      const { rows, cols } = colShape(g);
      const out = buffer(`${kernels[0].id} out`, rows * kernels.length * 4);
      const col = buffer(`${kernels[0].id} col`, rows * cols * 4);
      const wb = buffer(`${kernels[0].id} kernel`, kernelBlock(kernels, flip, C));
      dispatches.push(...(await conv2dForward(k, variant, out, col, x, wb, g, 'identity', `playground ${kernels[0].id}`)));
      convs.push({ out, floats: rows * kernels.length });
    }
    const { size, stride, pad } = r.pool;
    let pool: { out: GPUBuffer; floats: number } | null = null;
    if (fits(H, W, size, stride, pad)) {
      const g = poolGeometry(1, C, H, W, size, stride, pad);
      const floats = g.OH * g.OW * C;
      pool = { out: buffer('pool out', floats * 4), floats };
      dispatches.push(await maxPoolForward(k, pool.out, buffer('pool argmax', floats * 4), x, g, 'playground max-pool'));
    }
    const encoder = d.createCommandEncoder({ label: 'playground' });
    const pass = encoder.beginComputePass({ label: 'playground' });
    for (const dispatch of dispatches) encodeDispatch(pass, dispatch);
    pass.end();
    d.queue.submit([encoder.finish()]);
    const read = (o: { out: GPUBuffer; floats: number } | null) => (o ? readFloats(d, o.out, o.floats) : Promise.resolve(null));
    const convOut = await Promise.all(convs.map(read));
    return assembleOutputs(image, r, convOut, await read(pool));
  } finally {
    dispatches.forEach(destroyDispatch);
    buffers.forEach((b) => b.destroy());
  }
}
