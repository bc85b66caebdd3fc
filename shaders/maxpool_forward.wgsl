// maxpool_forward: window maxima, and where each came from.
//
//   out[b, y, x, c]    = max over i, j < K of in[b, y·S − P + i, x·S − P + j, c] (inside the image)
//   argmax[b, y, x, c] = row · W + column of that maximum; the first of equal values in
//                        row-major window order wins.
// Channels last (NHWC): consecutive invocations are consecutive channels, contiguous loads.
// Bindings: 0 x (read, (B, H, W, C)), 1 out (read_write, (B, OH, OW, C)),
//           2 argmax (read_write, u32, (B, OH, OW, C)), 3 dims (uniform PoolDims: B).
// Dispatch: flat over B·OH·OW·C invocations, folded into x and y.
// Overrides: WG, and the sizes of lib/pool_common.wgsl.
// #include pool_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(3) var<uniform> d: PoolDims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * C * OH * OW) { return; }
  let c = q % C;
  let ox = (q / C) % OW;
  let oy = (q / (C * OW)) % OH;
  let b = q / (C * OW * OH);
  var best = 0.0;
  var at = 0xffffffffu;
  for (var i = 0u; i < K; i++) {
    let y = i32(oy * S + i) - i32(P);
    if (y < 0 || y >= i32(H)) { continue; }
    for (var j = 0u; j < K; j++) {
      let xx = i32(ox * S + j) - i32(P);
      if (xx < 0 || xx >= i32(W)) { continue; }
      let idx = u32(y) * W + u32(xx);
      let v = x[(b * H * W + idx) * C + c];
      if (at == 0xffffffffu || v > best) {
        best = v;
        at = idx;
      }
    }
  }
  out[q] = best;
  argmax[q] = at;
}
