// augment_field_cols: elastic distortion's second pass: augment_field_rows' output smoothed
// along columns by the same Gaussian and scaled by α, the displacement in pixels.
//
//   field[b, y, x] = α · Σ_{|j| ≤ R, 0 ≤ y+j < H} w(j) · tmp[b, y + j, x] / Σ_{|j| ≤ R} w(j)
// Bindings: 0 tmp (read, vec2<f32> (B, H, W)), 1 field (read_write, vec2<f32> (B, H, W)),
//           2 d (uniform AugmentDims).
// Dispatch: flat over B·H·W, folded into x and y. Overrides: WG.
// #include hash
// #include augment_common

@group(0) @binding(0) var<storage, read> tmp: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read_write> field: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let HW = d.H * d.W;
  if (e >= d.B * HW) { return; }
  let b = e / HW;
  let y = i32((e % HW) / d.W);
  let x = e % d.W;
  let r = i32(d.radius);
  var acc = vec2<f32>(0.0);
  for (var j = -r; j <= r; j++) {
    let yy = y + j;
    if (yy >= 0 && yy < i32(d.H)) { acc += gaussWeight(j) * tmp[b * HW + u32(yy) * d.W + x]; }
  }
  field[e] = d.alpha * acc / gaussNorm();
}
