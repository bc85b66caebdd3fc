// augment_field_cols: elastic distortion's second smoothing pass: augment_field_rows'
// output convolved along columns with the same weights and scaled by α, the displacement in pixels.
//
//   field[b, y, x] = α · Σ_{|j| ≤ R, 0 ≤ y+j < H} w[j + R] · tmp[b, y + j, x]
// Bindings: 0 tmp (read, vec2<f32> (B, H, W)), 1 w (read, f32 (2R + 1)), 2 field (read_write,
//           vec2<f32> (B, H, W)), 3 d (uniform AugmentDims).
// Dispatch: flat over B·H·W, folded into x and y. Overrides: WG.
// #include hash
// #include augment_common

@group(0) @binding(0) var<storage, read> tmp: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> field: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  if (e >= d.B * d.H * d.W) { return; }
  let y = i32((e % (d.H * d.W)) / d.W);
  let r = i32(d.radius);
  var acc = vec2<f32>(0.0);
  // Uniform control flow, as in augment_field_rows.
  for (var j = -r; j <= r; j++) {
    let inside = y + j >= 0 && y + j < i32(d.H);
    acc += select(0.0, w[j + r], inside) * tmp[select(e, u32(i32(e) + j * i32(d.W)), inside)];
  }
  field[e] = d.alpha * acc;
}
