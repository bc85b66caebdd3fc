// Sizes of one batched 2D convolution (NCHW), shared by the conv2d_* kernels; spliced in
// where a kernel says `// #include conv_common`. src/gpu/conv-ops.ts writes them in this order.
//   input (B, IC, H, W), kernel W (OC, IC, KH, KW) then bias (OC), output (B, OC, OH, OW),
//   stride S and zero padding P: OH = (H + 2P − KH)/S + 1 (floor), OW likewise.
//   OCB = ceil(OC / 4), ICB = ceil(IC / 4), OWB = ceil(OW / 4): blocks of four.
//   SLICES: batch slices of the weight-gradient partial sums (conv2d_backward_weight).
struct ConvDims {
  B: u32, IC: u32, H: u32, W: u32,
  OC: u32, KH: u32, KW: u32, S: u32,
  P: u32, OH: u32, OW: u32, OCB: u32,
  ICB: u32, OWB: u32, SLICES: u32, _pad0: u32,
}
