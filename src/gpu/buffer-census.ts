/**
 * Counts the GPU buffers a device creates and destroys, by wrapping its createBuffer. Used
 * by the soak benchmark and test to show that long runs allocate nothing per epoch.
 */
export interface BufferCensus {
  created: number;
  destroyed: number;
  /** Created and not yet destroyed. */
  readonly alive: number;
  stop(): void;
}

export function bufferCensus(device: GPUDevice): BufferCensus {
  const create = device.createBuffer;
  const census = {
    created: 0,
    destroyed: 0,
    get alive() {
      return census.created - census.destroyed;
    },
    stop() {
      device.createBuffer = create;
    },
  };
  device.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = create.call(this, descriptor);
    census.created++;
    const destroy = buffer.destroy;
    let done = false;
    buffer.destroy = function (this: GPUBuffer) {
      if (!done) census.destroyed++;
      done = true;
      return destroy.call(this);
    };
    return buffer;
  };
  return census;
}
