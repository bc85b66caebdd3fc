// augment_field_rows: elastic distortion's first smoothing pass: augment_noise's field
// convolved along rows with the Gaussian's weights (0 outside the image).
//
//   tmp[b, y, x] = Σ_{|j| ≤ R, 0 ≤ x+j < W} w[j + R] · noise[b, y, x + j]
//   w: the 2R + 1 weights exp(−j² / 2σ²), normalised to sum 1 (src/cpu/augment.ts gaussWeights)
// Each invocation computes four neighbours x0 .. x0 + 3 of a row and reads each of the
// 2R + 4 noise values they share once (software adapters spend this pass on loads).
// Bindings: 0 noise (read, vec2<f32> (B, H, W)), 1 w (read, f32 (2R + 1)), 2 tmp (read_write,
//           vec2<f32> (B, H, W)), 3 d (uniform AugmentDims).
// Dispatch: flat over B·H·ceil(W / 4), folded into x and y. Overrides: WG.
// #include hash
// #include augment_common

@group(0) @binding(0) var<storage, read> noise: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> tmp: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

// w[k] for 0 ≤ k ≤ 2R, else 0 (a tap outside the kernel).
fn tap(k: i32) -> f32 {
  return select(0.0, w[u32(clamp(k, 0, 2 * i32(d.radius)))], k >= 0 && k <= 2 * i32(d.radius));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let quads = (d.W + 3u) / 4u;
  if (e >= d.B * d.H * quads) { return; }
  let row = e / quads;
  let x0 = i32(4u * (e % quads));
  let W = i32(d.W);
  let r = i32(d.radius);
  var acc0 = vec2<f32>(0.0);
  var acc1 = vec2<f32>(0.0);
  var acc2 = vec2<f32>(0.0);
  var acc3 = vec2<f32>(0.0);
  // Noise at x0 + j, j = −R .. R + 3, feeds output x0 + k with weight w[j − k + R].
  for (var j = -r; j <= r + 3; j++) {
    let x = x0 + j;
    if (x < 0 || x >= W) { continue; }
    let v = noise[row * d.W + u32(x)];
    acc0 += tap(j + r) * v;
    acc1 += tap(j - 1 + r) * v;
    acc2 += tap(j - 2 + r) * v;
    acc3 += tap(j - 3 + r) * v;
  }
  let base = row * d.W + u32(x0);
  tmp[base] = acc0;
  if (x0 + 1 < W) { tmp[base + 1u] = acc1; }
  if (x0 + 2 < W) { tmp[base + 2u] = acc2; }
  if (x0 + 3 < W) { tmp[base + 3u] = acc3; }
}
