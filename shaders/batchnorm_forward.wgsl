// batchnorm_forward: batch normalization's output, with the batch's statistics (training)
// or the running averages (evaluation): whichever `stats` is bound to.
//
//   out[r, c] = act(γ[c]·(x[r, c] − mean[c]) / √(var[c] + EPS) + β[c])
// Bindings: 0 x (read, (N, C) channels last), 1 wb (read, (2, C): γ then β, the layer's
//           parameter block), 2 stats (read, (2, C): mean then variance), 3 out
//           (read_write, (N, C)), 4 dims (uniform BnDims: N).
// Dispatch: flat over N·C invocations, folded into x and y.
// Overrides: WG, C, EPS, ACT (the layer's own activation; identity unless named).
// #include activations
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wb: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> dims: BnDims;

override WG: u32 = 256u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= dims.N * C) { return; }
  let c = q % C;
  let xHat = (x[q] - stats[c]) * inverseSqrt(stats[C + c] + EPS);
  out[q] = activate(wb[c] * xHat + wb[C + c], ACT);
}
