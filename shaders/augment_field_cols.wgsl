// augment_field_cols: elastic distortion's second smoothing pass: augment_field_rows'
// output convolved along columns with the same weights and scaled by α, the displacement in pixels.
//
//   field[b, y, x] = α · Σ_{|j| ≤ R, 0 ≤ y+j < H} w[j + R] · tmp[b, y + j, x]
// Each invocation computes four neighbours y0 .. y0 + 3 of a column, reading each of the
// 2R + 4 values they share once, as augment_field_rows does along rows.
// Bindings: 0 tmp (read, vec2<f32> (B, H, W)), 1 w (read, f32 (2R + 1)), 2 field (read_write,
//           vec2<f32> (B, H, W)), 3 d (uniform AugmentDims).
// Dispatch: flat over B·ceil(H / 4)·W, folded into x and y. Overrides: WG.
// #include hash
// #include augment_common

@group(0) @binding(0) var<storage, read> tmp: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> field: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

fn tap(k: i32) -> f32 {
  return select(0.0, w[u32(clamp(k, 0, 2 * i32(d.radius)))], k >= 0 && k <= 2 * i32(d.radius));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let quads = (d.H + 3u) / 4u;
  if (e >= d.B * quads * d.W) { return; }
  let b = e / (quads * d.W);
  let y0 = i32(4u * ((e / d.W) % quads));
  let x = e % d.W;
  let H = i32(d.H);
  let r = i32(d.radius);
  let image = b * d.H * d.W;
  var acc0 = vec2<f32>(0.0);
  var acc1 = vec2<f32>(0.0);
  var acc2 = vec2<f32>(0.0);
  var acc3 = vec2<f32>(0.0);
  for (var j = -r; j <= r + 3; j++) {
    let y = y0 + j;
    if (y < 0 || y >= H) { continue; }
    let v = tmp[image + u32(y) * d.W + x];
    acc0 += tap(j + r) * v;
    acc1 += tap(j - 1 + r) * v;
    acc2 += tap(j - 2 + r) * v;
    acc3 += tap(j - 3 + r) * v;
  }
  let at = image + u32(y0) * d.W + x;
  field[at] = d.alpha * acc0;
  if (y0 + 1 < H) { field[at + d.W] = d.alpha * acc1; }
  if (y0 + 2 < H) { field[at + 2u * d.W] = d.alpha * acc2; }
  if (y0 + 3 < H) { field[at + 3u * d.W] = d.alpha * acc3; }
}
