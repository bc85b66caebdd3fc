// batchnorm_backward_totals: the second of batch normalization's backward kernels. Per
// channel, the chunks' sums of batchnorm_backward_sums added in chunk order, then
//
//   dγ[c] = Σ g·x̂,  dβ[c] = Σ g
//   FUSED: wb ← wb − lr·([dγ; dβ] + l2·[γ; 0]) in place (plain SGD, γ decayed like a
//          weight, β not, like a bias); otherwise dWb = [dγ; dβ]
//   coef (3, C) = (γ·istd, dβ/N, dγ/N) with γ before the step: all batchnorm_backward_input reads
// Bindings: 0 partial (read, (ceil(N / ROWS), C) vec2), 1 stats (read, (2, C): mean then
//           variance), 2 opt (read: lr, l2, the optimiser buffer read as floats; only FUSED
//           reads it), 3 wb (read_write, (2, C): γ then β), 4 dWb (read_write, (2, C); FUSED
//           writes none), 5 coef (read_write, (3, C)), 6 dims (uniform BnDims: N).
// Dispatch: flat over C invocations.
// Overrides: WG, C, EPS, ROWS (batchnorm_backward_sums's), FUSED.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> partial: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> opt: array<f32>;
@group(0) @binding(3) var<storage, read_write> wb: array<f32>;
@group(0) @binding(4) var<storage, read_write> dWb: array<f32>;
@group(0) @binding(5) var<storage, read_write> coef: array<f32>;
@group(0) @binding(6) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;
override FUSED: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= C) { return; }
  let N = dims.N;
  var total = vec2<f32>(0.0, 0.0);
  for (var q = 0u; q < (N + ROWS - 1u) / ROWS; q++) { total += partial[q * C + c]; }
  let dGamma = total.x;
  let dBeta = total.y;
  let gamma = wb[c];
  coef[c] = gamma * inverseSqrt(stats[C + c] + EPS);
  coef[C + c] = dBeta / f32(N);
  coef[2u * C + c] = dGamma / f32(N);
  if (FUSED) {
    wb[c] = gamma - opt[0] * (dGamma + opt[1] * gamma);
    wb[C + c] = wb[C + c] - opt[0] * dBeta;
  } else {
    dWb[c] = dGamma;
    dWb[C + c] = dBeta;
  }
}
