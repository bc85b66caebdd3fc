// augment_noise: elastic distortion's random field (Simard et al. 2003), before smoothing:
// uniform in [−1, 1] per pixel and component, drawn from the image's key (lib/augment_common.wgsl).
//
//   noise[b, y, x] = (2·u(i, 8 + 2·(y·W + x)) − 1, 2·u(i, 9 + 2·(y·W + x)) − 1),  i = indices[step.start + b]
// Bindings: 0 indices (read, u32), 1 noise (read_write, vec2<f32> (B, H, W)), 2 opt (uniform
//           Optimizer: t0), 3 d (uniform AugmentDims); group 1: step.
// Dispatch: flat over B·H·W, folded into x and y. Overrides: WG.
// #include hash
// #include optimizer
// #include step
// #include augment_common

@group(0) @binding(0) var<storage, read> indices: array<u32>;
@group(0) @binding(1) var<storage, read_write> noise: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> opt: Optimizer;
@group(0) @binding(3) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let HW = d.H * d.W;
  if (e >= d.B * HW) { return; }
  let key = augmentKey(indices[step.start + e / HW], augmentEpoch(opt.t0));
  let slot = AFFINE_SLOTS + 2u * (e % HW);
  noise[e] = vec2<f32>(augmentUniform(key, slot), augmentUniform(key, slot + 1u)) * 2.0 - 1.0;
}
