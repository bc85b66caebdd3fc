// batchnorm_backward_input: the last of batch normalization's backward kernels: the input
// gradient through the activation of the layer before (its output is x), from the
// coefficients batchnorm_backward_totals wrote, x̂ = (x − mean)·istd:
//
//   dX[r, c] = f′(x[r, c]) · γ[c]·istd[c]·(g[r, c] − dβ[c]/N − x̂[r, c]·dγ[c]/N)
//            = f′(x[r, c]) · coef[0, c]·(g[r, c] − coef[1, c] − x̂[r, c]·coef[2, c])
// Bindings: 0 x (read, (N, C) channels last), 1 dY (read, (N, C)), 2 stats (read, (2, C):
//           mean then variance), 3 coef (read, (3, C)), 4 dX (read_write, (N, C)),
//           5 dims (uniform BnDims: N).
// Dispatch: flat over N·C invocations, folded into x and y.
// Overrides: WG, C, EPS, ACT (f, the activation that produced x).
// #include activations
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> coef: array<f32>;
@group(0) @binding(4) var<storage, read_write> dX: array<f32>;
@group(0) @binding(5) var<uniform> dims: BnDims;

override WG: u32 = 256u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= dims.N * C) { return; }
  let c = q % C;
  let xHat = (x[q] - stats[c]) * inverseSqrt(stats[C + c] + EPS);
  dX[q] = activationGrad(x[q], ACT) * coef[c] * (dY[q] - coef[C + c] - xHat * coef[2u * C + c]);
}
