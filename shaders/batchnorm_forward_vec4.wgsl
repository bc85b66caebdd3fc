// batchnorm_forward_vec4: batchnorm_forward for C a multiple of 4, four channels per
// invocation: one vec4 load and store of x and out, and the channels' statistics and
// parameters as vec4 loads, a quarter of the invocations and loads (on llvmpipe every load
// is a per-lane gather; fast's 73,728 × 24 batch: see src/gpu/ops/batchnorm.ts). Same
// formula and CPU twin as batchnorm_forward.wgsl (src/cpu/batchnorm.ts batchnormForward):
//
//   out[r, c] = act(γ[c]·(x[r, c] − mean[c]) / √(var[c] + EPS) + β[c])
// Bindings: 0 x (read, vec4, (N, C / 4)), 1 wb (read, vec4, (2, C / 4): γ then β), 2 stats
//           (read, vec4, (2, C / 4): mean then variance), 3 out (read_write, vec4, (N, C / 4)),
//           4 dims (uniform BnDims: N).
// Dispatch: flat over N·C / 4 invocations, folded into x and y.
// Overrides: WG, C (a multiple of 4), EPS, ACT.
// #include activations
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> wb: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> dims: BnDims;

override WG: u32 = 256u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let C4 = C / 4u;
  if (q >= dims.N * C4) { return; }
  let c = q % C4;
  let xHat = (x[q] - stats[c]) * inverseSqrt(stats[C4 + c] + EPS);
  out[q] = activate4(wb[c] * xHat + wb[C4 + c], ACT);
}
