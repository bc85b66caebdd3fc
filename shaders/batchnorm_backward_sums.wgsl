// batchnorm_backward_sums: the first of batch normalization's three backward kernels (then
// batchnorm_backward_totals, batchnorm_backward_input): per chunk of ROWS rows and channel,
// the sums the parameter gradients need, with g = dY and x̂ = (x − mean)·istd,
// istd = 1/√(var + EPS):
//
//   partial[q, c] = (Σ_{r in chunk q} g[r, c]·x̂[r, c],  Σ_{r in chunk q} g[r, c])
//
// A workgroup's invocations take consecutive channels of the same rows, so they read
// consecutive addresses of the channels-last x and dY; the chunks run in parallel. (One
// workgroup per channel, striding over the rows, read each cache line of x and dY once per
// channel and left a GPU with C workgroups: 4.7× the forward pass's time on llvmpipe.)
// Bindings: 0 x (read, (N, C) channels last), 1 dY (read, (N, C)), 2 stats (read, (2, C):
//           the batch's mean then variance), 3 partial (read_write, (ceil(N / ROWS), C)
//           vec2), 4 dims (uniform BnDims: N).
// Dispatch: (ceil(C / WG), ceil(N / ROWS), 1).
// Overrides: WG, C, EPS, ROWS.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = wid.x * WG + lid.x;
  if (c >= C) { return; }
  let q = wid.y;
  let mean = stats[c];
  let istd = inverseSqrt(stats[C + c] + EPS);
  let end = min((q + 1u) * ROWS, dims.N);
  var sums = vec2<f32>(0.0, 0.0);
  for (var r = q * ROWS; r < end; r++) {
    let i = r * C + c;
    sums += vec2<f32>(dY[i] * (x[i] - mean) * istd, dY[i]);
  }
  partial[q * C + c] = sums;
}
