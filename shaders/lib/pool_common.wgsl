// Sizes of one batched max or average pooling (channels last, NHWC), shared by
// maxpool_forward, maxpool_backward, avgpool_forward and avgpool_backward; spliced in where
// a kernel says `// #include pool_common`. Override constants (each layer its own pipeline,
// divisions by constants), the batch size B from the uniform. src/gpu/ops/pool.ts and
// src/gpu/ops/avgpool.ts set them.
//   input (B, H, W, C), K × K windows, stride S, padding P (never the maximum; zeros in a
//   mean), output (B, OH, OW, C) with OH = (H + 2P − K)/S + 1 (floor).
override C: u32;
override H: u32;
override W: u32;
override K: u32;
override S: u32;
override P: u32;
override OH: u32;
override OW: u32;

struct PoolDims { B: u32, _pad0: u32, _pad1: u32, _pad2: u32 }
