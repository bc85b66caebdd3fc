// col2im_vec4: col2im for IC a multiple of 4, four channels per invocation: the im2col
// columns (i·KW + j)·IC + c .. c+3 of a pixel are contiguous, so each of the up to KH·KW
// terms is one vec4 load instead of four float loads (a convolution after one with 16 or
// 32 filters). Same formula and CPU twin as col2im.wgsl (src/cpu/conv.ts col2im):
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · Σ dCol[(b·OH + (y + P − i)/S)·OW + (x + P − j)/S, (i·KW + j)·IC + c]
// over the (i, j) where both divisions are exact and land inside the output; a gather, each
// dX element written once, deterministically, without atomics.
// Bindings: 0 dCol (read, vec4, (B·OH·OW, CKP / 4)), 1 xPrev (read, vec4, (B, H, W, IC / 4)),
//           2 dX (read_write, vec4, (B, H, W, IC / 4)), 3 dims (uniform ConvDims: B).
// Dispatch: flat over B·H·W·IC / 4 invocations, folded into x and y.
// Overrides: WG, ACT (f), and the sizes of lib/conv_common.wgsl; IC % 4 == 0 (src/gpu/ops/conv.ts
// runs col2im.wgsl otherwise).
// #include activations
// #include conv_common

@group(0) @binding(0) var<storage, read> dCol: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> xPrev: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dX: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> d: ConvDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let IC4 = IC / 4u;
  if (q >= d.B * H * W * IC4) { return; }
  let c = (q % IC4) * 4u;
  let x = (q / IC4) % W;
  let y = (q / (IC4 * W)) % H;
  let b = q / (IC4 * W * H);
  var s = vec4(0.0);
  for (var i = 0u; i < KH; i++) {
    let oy = windowOrigin(y, i, OH);
    if (oy < 0) { continue; }
    for (var j = 0u; j < KW; j++) {
      let ox = windowOrigin(x, j, OW);
      if (ox < 0) { continue; }
      s += dCol[(((b * OH + u32(oy)) * OW + u32(ox)) * CKP + (i * KW + j) * IC + c) / 4u];
    }
  }
  dX[q] = s * activationGrad4(xPrev[q], ACT);
}
