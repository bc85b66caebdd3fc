/** Creating, filling and reading back buffers. */

/** Storage usage plus copies both ways (read lazily: in Node the globals arrive with Dawn). */
const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** A storage buffer of `bytes` (rounded up to 4), or holding `data`. */
export function storageBuffer(device: GPUDevice, label: string, data: number | ArrayBufferView): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  const buffer = device.createBuffer({ label, size, usage: storageUsage(), mappedAtCreation: typeof data !== 'number' });
  if (typeof data !== 'number') {
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
  }
  return buffer;
}

/** Copies `size` bytes of `buffer` from `offset` into fresh memory (one GPU→CPU read). */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, size = buffer.size, offset = 0): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ label: `read ${buffer.label}`, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder({ label: `read ${buffer.label}` });
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return copy;
}

export async function readFloats(device: GPUDevice, buffer: GPUBuffer, count: number, offsetFloats = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, buffer, count * 4, offsetFloats * 4));
}

/** Packs bytes four to a u32 word (little-endian), as gather_batch.wgsl reads them. */
export function packBytes(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.max(1, Math.ceil(bytes.length / 4)));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}
