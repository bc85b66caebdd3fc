// batchnorm_stats_sums: the per-chunk sums of batch normalization's statistics (training
// mode), run twice (src/gpu/ops/batchnorm.ts batchnormStats), each time followed by
// batchnorm_stats_totals: PASS 0 the sums of x, PASS 1 the squared deviations from the mean
// that PASS 0's totals wrote (two passes, as the CPU reference: no cancellation of E[x²] − E[x]²).
//
//   PASS 0: partial[q, c] = Σ_{r in chunk q} x[r, c]
//   PASS 1: partial[q, c] = Σ_{r in chunk q} (x[r, c] − mean[c])²,  mean[c] = stats[c]
// over chunks q of ROWS rows. A workgroup's invocations take consecutive channels of the
// same rows (consecutive addresses of the channels-last x) and the chunks run in parallel,
// as batchnorm_backward_sums. (One workgroup per channel striding over the rows read every
// cache line of x once per channel, and left a GPU C workgroups.)
// Bindings: 0 x (read, (N, C) channels last), 1 stats (read, (2, C): PASS 1 reads the mean),
//           2 partial (read_write, (ceil(N / ROWS), C)), 3 dims (uniform BnDims: N).
// Dispatch: (ceil(C / WG), ceil(N / ROWS), 1).
// Overrides: WG, C, ROWS, PASS (0 or 1).
// CPU twin: src/cpu/batchnorm.ts batchnormStatsSums.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@group(0) @binding(3) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;
override PASS: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = wid.x * WG + lid.x;
  if (c >= C) { return; }
  let q = wid.y;
  let end = min((q + 1u) * ROWS, dims.N);
  var sum = 0.0;
  if (PASS == 0u) {
    for (var r = q * ROWS; r < end; r++) { sum += x[r * C + c]; }
  } else {
    let mean = stats[c];
    for (var r = q * ROWS; r < end; r++) {
      let d = x[r * C + c] - mean;
      sum += d * d;
    }
  }
  partial[q * C + c] = sum;
}
