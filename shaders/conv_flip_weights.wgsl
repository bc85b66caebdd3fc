// conv_flip_weights: a convolution's weights rotated by 180° with their channel dimensions
// swapped, the B of its input gradient as a convolution (conv_gemm.wgsl MODE 1, TRANS_B):
// the input gradient of a stride-1 convolution is dY convolved, with padding KH − 1 − P, by
// these.
//
//   flipped[c·KH·KW·OC + (i·KW + j)·OC + o] = W[(((KH − 1 − i)·KW + (KW − 1 − j))·IC + c)·OC + o]
// W is the layer's block [W; b] (rows (i, j, c), OC columns; the bias row is not read);
// flipped is (IC, KH·KW·OC): row c holds input channel c's filter taps in the (i, j, o)
// order of the im2col columns of dY. CPU twin: src/cpu/conv.ts flipConvWeights.
// Bindings: 0 wb (read, f32), 1 flipped (read_write, f32), 2 dims (uniform ConvDims, unused: sizes are overrides).
// Dispatch: flat over KH·KW·OC·IC invocations, folded into x and y.
// Overrides: WG, OC, and the sizes of lib/conv_common.wgsl (IC, KH, KW used).
// #include conv_common

@group(0) @binding(0) var<storage, read> wb: array<f32>;
@group(0) @binding(1) var<storage, read_write> flipped: array<f32>;
@group(0) @binding(2) var<uniform> d: ConvDims;

override WG: u32 = 256u;
override OC: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= KH * KW * OC * IC) { return; }
  let o = q % OC;
  let j = (q / OC) % KW;
  let i = (q / (OC * KW)) % KH;
  let c = q / (OC * KW * KH);
  flipped[q] = wb[(((KH - 1u - i) * KW + (KW - 1u - j)) * IC + c) * OC + o];
}
