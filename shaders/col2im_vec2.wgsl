// col2im_vec2: col2im for IC even but not a multiple of 4 (LeNet-5's second convolution,
// after 6 filters), two channels per invocation: each of the up to KH·KW terms one vec2
// load instead of two float loads, the window's index arithmetic once for both. Same formula
// and CPU twin as col2im.wgsl (src/cpu/conv.ts col2im):
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · Σ dCol[(b·OH + (y + P − i)/S)·OW + (x + P − j)/S, (i·KW + j)·IC + c]
// over the (i, j) where both divisions are exact and land inside the output; a gather, each
// dX element written once, deterministically, without atomics.
// Bindings: 0 dCol (read, vec2, (B·OH·OW, CKP / 2)), 1 xPrev (read, vec2, (B, H, W, IC / 2)),
//           2 dX (read_write, vec2, (B, H, W, IC / 2)), 3 dims (uniform ConvDims: B).
// Dispatch: flat over B·H·W·IC / 2 invocations, folded into x and y.
// Overrides: WG, ACT (f), and the sizes of lib/conv_common.wgsl; IC % 2 == 0 (src/gpu/ops/conv.ts
// runs col2im_vec4.wgsl where IC % 4 == 0, col2im.wgsl where IC is odd).
// #include activations
// #include conv_common

@group(0) @binding(0) var<storage, read> dCol: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> xPrev: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> dX: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> d: ConvDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let IC2 = IC / 2u;
  if (q >= d.B * H * W * IC2) { return; }
  let c = (q % IC2) * 2u;
  let x = (q / IC2) % W;
  let y = (q / (IC2 * W)) % H;
  let b = q / (IC2 * W * H);
  var s = vec2(0.0);
  for (var i = 0u; i < KH; i++) {
    let oy = windowOrigin(y, i, OH);
    if (oy < 0) { continue; }
    for (var j = 0u; j < KW; j++) {
      let ox = windowOrigin(x, j, OW);
      if (ox < 0) { continue; }
      s += dCol[(((b * OH + u32(oy)) * OW + u32(ox)) * CKP + (i * KW + j) * IC + c) / 2u];
    }
  }
  let xp = xPrev[q];
  dX[q] = s * vec2(activationGrad(xp.x, ACT), activationGrad(xp.y, ACT));
}
