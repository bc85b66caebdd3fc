// augment_field_rows: elastic distortion's first pass (Simard et al. 2003): a random
// displacement field, uniform in [−1, 1] per pixel and component, smoothed along rows by a
// Gaussian of σ truncated at radius R = ceil(3σ) (the field is 0 outside the image).
//
//   noise(b, y, x) = 2·u(i, 8 + 2·(y·W + x) + k) − 1   for k = 0, 1   (lib/augment_common.wgsl)
//   tmp[b, y, x]   = Σ_{|j| ≤ R, 0 ≤ x+j < W} w(j) · noise(b, y, x + j) / Σ_{|j| ≤ R} w(j),
//   w(j) = exp(−j² / 2σ²),  i = indices[step.start + b]
// Bindings: 0 indices (read, u32), 1 tmp (read_write, vec2<f32> (B, H, W)), 2 opt (uniform
//           Optimizer: t0), 3 d (uniform AugmentDims); group 1: step.
// Dispatch: flat over B·H·W, folded into x and y. Overrides: WG.
// #include hash
// #include optimizer
// #include step
// #include augment_common

@group(0) @binding(0) var<storage, read> indices: array<u32>;
@group(0) @binding(1) var<storage, read_write> tmp: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> opt: Optimizer;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

fn noise(i: u32, epoch: u32, pixel: u32) -> vec2<f32> {
  let slot = AFFINE_SLOTS + 2u * pixel;
  return vec2<f32>(2.0 * augmentUniform(i, epoch, slot) - 1.0, 2.0 * augmentUniform(i, epoch, slot + 1u) - 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let HW = d.H * d.W;
  if (e >= d.B * HW) { return; }
  let b = e / HW;
  let y = (e % HW) / d.W;
  let x = i32(e % d.W);
  let i = indices[step.start + b];
  let epoch = augmentEpoch(opt.t0);
  let r = i32(d.radius);
  var acc = vec2<f32>(0.0);
  for (var j = -r; j <= r; j++) {
    let xx = x + j;
    if (xx >= 0 && xx < i32(d.W)) { acc += gaussWeight(j) * noise(i, epoch, y * d.W + u32(xx)); }
  }
  tmp[e] = acc / gaussNorm();
}
