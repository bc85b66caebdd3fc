// Sizes of one batched 2D convolution, channels last (NHWC), shared by im2col and col2im;
// spliced in where a kernel says `// #include conv_common`. They are override constants,
// so each layer gets its own pipeline and the compiler turns the index arithmetic's
// divisions into multiplications (3–5× faster on llvmpipe than sizes from a uniform);
// only the batch size B comes from the uniform. src/gpu/ops/conv.ts sets them.
//   input (B, H, W, IC); output (B, OH, OW, ·); KH × KW kernel, stride S, zero padding P:
//   OH = (H + 2P − KH)/S + 1 (floor), OW likewise; CK = KH·KW·IC columns of the im2col
//   matrix, in (i, j, c) order, padded with zero columns to CKP (a multiple of 4).
override IC: u32;
override H: u32;
override W: u32;
override KH: u32;
override KW: u32;
override S: u32;
override P: u32;
override OH: u32;
override OW: u32;
override CK: u32 = KH * KW * IC;
override CKP: u32 = (CK + 3u) / 4u * 4u;

struct ConvDims { B: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

// col2im's gather: the output row (or column) whose window puts its tap i on input row (or
// column) p, or −1 where there is none: p + P − i must be a multiple of S, at least 0, whose
// quotient is below n (OH, or OW).
fn windowOrigin(p: u32, i: u32, n: u32) -> i32 {
  let t = i32(p + P) - i32(i);
  if (t < 0 || u32(t) % S != 0u) { return -1; }
  let o = u32(t) / S;
  return select(-1, i32(o), o < n);
}
