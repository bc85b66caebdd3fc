// avgpool_forward: window means, padding counted as zeros.
//
//   out[b, y, x, c] = Σ over i, j < K of in[b, y·S − P + i, x·S − P + j, c] (0 outside the image) / K²
// The divisor is always the whole window K·K (PyTorch's AvgPool2d, count_include_pad=True).
// Channels last (NHWC): consecutive invocations are consecutive channels, contiguous loads.
// Bindings: 0 x (read, (B, H, W, C)), 1 out (read_write, (B, OH, OW, C)),
//           2 dims (uniform PoolDims: B).
// Dispatch: flat over B·OH·OW·C invocations, folded into x and y.
// Overrides: WG, and the sizes of lib/pool_common.wgsl.
// #include pool_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> d: PoolDims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * C * OH * OW) { return; }
  let c = q % C;
  let ox = (q / C) % OW;
  let oy = (q / (C * OW)) % OH;
  let b = q / (C * OW * OH);
  var s = 0.0;
  for (var i = 0u; i < K; i++) {
    let y = i32(oy * S + i) - i32(P);
    if (y < 0 || y >= i32(H)) { continue; }
    for (var j = 0u; j < K; j++) {
      let xx = i32(ox * S + j) - i32(P);
      if (xx < 0 || xx >= i32(W)) { continue; }
      s += x[((b * H + u32(y)) * W + u32(xx)) * C + c];
    }
  }
  out[q] = s / f32(K * K);
}
