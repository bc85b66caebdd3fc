// Sizes of one batched max pooling (NCHW), shared by maxpool_forward and maxpool_backward;
// spliced in where a kernel says `// #include pool_common`. src/gpu/conv-ops.ts writes them.
//   input (B, C, H, W), K × K windows, stride S, padding P (never the maximum), output
//   (B, C, OH, OW) with OH = (H + 2P − K)/S + 1 (floor).
struct PoolDims {
  B: u32, C: u32, H: u32, W: u32,
  K: u32, S: u32, P: u32, OH: u32,
  OW: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}
