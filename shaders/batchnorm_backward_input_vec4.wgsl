// batchnorm_backward_input_vec4: batchnorm_backward_input for C a multiple of 4, four
// channels per invocation: vec4 loads of x, dY, the statistics and the coefficients, one
// vec4 store, a quarter of the invocations (as batchnorm_forward_vec4). Same formula and CPU
// twin as batchnorm_backward_input.wgsl (src/cpu/batchnorm.ts batchnormBackwardInput):
//
//   dX[r, c] = f′(x[r, c]) · coef[0, c]·(g[r, c] − coef[1, c] − x̂[r, c]·coef[2, c]),  x̂ = (x − mean)·istd
// Bindings: 0 x (read, vec4, (N, C / 4)), 1 dY (read, vec4), 2 stats (read, vec4, (2, C / 4)),
//           3 coef (read, vec4, (3, C / 4)), 4 dX (read_write, vec4, (N, C / 4)), 5 dims (uniform BnDims: N).
// Dispatch: flat over N·C / 4 invocations, folded into x and y.
// Overrides: WG, C (a multiple of 4), EPS, ACT (f, the activation that produced x).
// #include activations
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dY: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> coef: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> dX: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> dims: BnDims;

override WG: u32 = 256u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let C4 = C / 4u;
  if (q >= dims.N * C4) { return; }
  let c = q % C4;
  let xq = x[q];
  let xHat = (xq - stats[c]) * inverseSqrt(stats[C4 + c] + EPS);
  dX[q] = activationGrad4(xq, ACT) * coef[c] * (dY[q] - coef[C4 + c] - xHat * coef[2u * C4 + c]);
}
