// col2im: the gradient of im2col. Each input pixel sums the im2col entries it was copied
// to, times the derivative of the activation that produced the input.
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · Σ dCol[(b·OH + (y + P − i)/S)·OW + (x + P − j)/S, (i·KW + j)·IC + c]
//   (columns CK .. CKP − 1, im2col's zero padding, are not read)
// over the (i, j) where both divisions are exact and land inside the output. A gather: each
// dX element is written once, deterministically, without atomics.
// Bindings: 0 dCol (read, (B·OH·OW, CKP)), 1 xPrev (read, (B, H, W, IC)),
//           2 dX (read_write, (B, H, W, IC)), 3 dims (uniform ConvDims: B).
// Dispatch: flat over B·H·W·IC invocations, folded into x and y.
// Overrides: WG, ACT (f), and the sizes of lib/conv_common.wgsl.
// #include activations
// #include conv_common

@group(0) @binding(0) var<storage, read> dCol: array<f32>;
@group(0) @binding(1) var<storage, read> xPrev: array<f32>;
@group(0) @binding(2) var<storage, read_write> dX: array<f32>;
@group(0) @binding(3) var<uniform> d: ConvDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * H * W * IC) { return; }
  let c = q % IC;
  let x = (q / IC) % W;
  let y = (q / (IC * W)) % H;
  let b = q / (IC * W * H);
  var s = 0.0;
  for (var i = 0u; i < KH; i++) {
    let oy = windowOrigin(y, i, OH);
    if (oy < 0) { continue; }
    for (var j = 0u; j < KW; j++) {
      let ox = windowOrigin(x, j, OW);
      if (ox < 0) { continue; }
      s += dCol[((b * OH + u32(oy)) * OW + u32(ox)) * CKP + (i * KW + j) * IC + c];
    }
  }
  dX[q] = s * activationGrad(xPrev[q], ACT);
}
