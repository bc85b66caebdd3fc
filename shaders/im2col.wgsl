// im2col: the input windows of a convolution as the rows of a matrix, so that the layer's
// forward pass and weight gradient are the dense layer's matmuls (matmul_*.wgsl) with
// M = B·OH·OW rows: large, well-shaped problems for any GPU.
//
//   col[(b·OH + y)·OW + x, (i·KW + j)·IC + c] = in[b, y·S − P + i, x·S − P + j, c]  (0 in the padding),
//   columns CK .. CKP − 1: 0
// Consecutive invocations write consecutive columns: contiguous stores, contiguous loads
// within a kernel row.
// One invocation per element of col: neighbouring invocations write neighbouring columns
// (contiguous stores; the sizes are override constants, so the index arithmetic divides by
// constants).
// Bindings: 0 x (read, (B, H, W, IC)), 1 col (read_write, (B·OH·OW, CKP)), 2 dims (uniform ConvDims: B).
// Dispatch: flat over B·OH·OW·CKP invocations, folded into x and y.
// Overrides: WG, and the sizes of lib/conv_common.wgsl.
// #include conv_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> col: array<f32>;
@group(0) @binding(2) var<uniform> d: ConvDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * OH * OW * CKP) { return; }
  let k = q % CKP;
  let row = q / CKP;
  let c = k % IC;
  let j = (k / IC) % KW;
  let i = k / (IC * KW);
  let ox = row % OW;
  let oy = (row / OW) % OH;
  let b = row / (OW * OH);
  let y = i32(oy * S + i) - i32(P);
  let xx = i32(ox * S + j) - i32(P);
  var v = 0.0;
  if (k < CK && y >= 0 && y < i32(H) && xx >= 0 && xx < i32(W)) {
    v = x[((b * H + u32(y)) * W + u32(xx)) * IC + c];
  }
  col[q] = v;
}
