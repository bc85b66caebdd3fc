// augment_field_rows: elastic distortion's first smoothing pass: augment_noise's field
// convolved along rows with the Gaussian's weights (0 outside the image).
//
//   tmp[b, y, x] = Σ_{|j| ≤ R, 0 ≤ x+j < W} w[j + R] · noise[b, y, x + j]
//   w: the 2R + 1 weights exp(−j² / 2σ²), normalised to sum 1 (src/cpu/augment.ts gaussWeights)
// Bindings: 0 noise (read, vec2<f32> (B, H, W)), 1 w (read, f32 (2R + 1)), 2 tmp (read_write,
//           vec2<f32> (B, H, W)), 3 d (uniform AugmentDims).
// Dispatch: flat over B·H·W, folded into x and y. Overrides: WG.
// #include hash
// #include augment_common

@group(0) @binding(0) var<storage, read> noise: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> tmp: array<vec2<f32>>;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  if (e >= d.B * d.H * d.W) { return; }
  let x = i32(e % d.W);
  let r = i32(d.radius);
  var acc = vec2<f32>(0.0);
  // The same trip count in every invocation (the taps outside the image weigh 0): uniform
  // control flow, which software adapters run several invocations at a time.
  for (var j = -r; j <= r; j++) {
    let inside = x + j >= 0 && x + j < i32(d.W);
    acc += select(0.0, w[j + r], inside) * noise[select(e, u32(i32(e) + j), inside)];
  }
  tmp[e] = acc;
}
