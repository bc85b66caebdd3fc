// maxpool_forward: window maxima, and where each came from.
//
//   out[b, c, y, x]    = max over i, j < K of in[b, c, y·S − P + i, x·S − P + j] (inside the image)
//   argmax[b, c, y, x] = (row · W + column) of that maximum in its plane; the first of equal
//                        values in row-major window order wins.
// Bindings: 0 x (read, (B, C, H, W)), 1 out (read_write, (B, C, OH, OW)),
//           2 argmax (read_write, u32, (B, C, OH, OW)), 3 dims (uniform PoolDims).
// Dispatch: flat over B·C·OH·OW invocations, folded into x and y.
// Overrides: WG.
// #include pool_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(3) var<uniform> d: PoolDims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * d.C * d.OH * d.OW) { return; }
  let ox = q % d.OW;
  let oy = (q / d.OW) % d.OH;
  let p = q / (d.OW * d.OH);
  let plane = p * d.H * d.W;
  var best = 0.0;
  var at = 0xffffffffu;
  for (var i = 0u; i < d.K; i++) {
    let y = i32(oy * d.S + i) - i32(d.P);
    if (y < 0 || y >= i32(d.H)) { continue; }
    for (var j = 0u; j < d.K; j++) {
      let xx = i32(ox * d.S + j) - i32(d.P);
      if (xx < 0 || xx >= i32(d.W)) { continue; }
      let idx = u32(y) * d.W + u32(xx);
      let v = x[plane + idx];
      if (at == 0xffffffffu || v > best) {
        best = v;
        at = idx;
      }
    }
  }
  out[q] = best;
  argmax[q] = at;
}
