// batchnorm_stats_totals: per channel, batchnorm_stats_sums's chunks added in chunk order:
//
//   PASS 0: stats[c] = mean[c] = Σ_q partial[q, c] / N
//   PASS 1: stats[C + c] = var[c] = Σ_q partial[q, c] / N   (biased), and the running averages
//           running[c]     ← (1 − MOMENTUM)·running[c]     + MOMENTUM·mean[c]
//           running[C + c] ← (1 − MOMENTUM)·running[C + c] + MOMENTUM·var[c]·N / max(N − 1, 1)
// Bindings: 0 partial (read, (ceil(N / ROWS), C)), 1 stats (read_write, (2, C): mean then
//           variance), 2 running (read_write, (2, C); PASS 1 only), 3 dims (uniform BnDims: N).
// Dispatch: flat over C invocations.
// Overrides: WG, C, ROWS (batchnorm_stats_sums's), PASS (0 or 1), MOMENTUM.
// CPU twin: src/cpu/batchnorm.ts batchnormStatsTotals.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> running: array<f32>;
@group(0) @binding(3) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;
override PASS: u32 = 0u;
override MOMENTUM: f32 = 0.1;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= C) { return; }
  let N = dims.N;
  let chunks = (N + ROWS - 1u) / ROWS;
  var sum = 0.0;
  for (var q = 0u; q < chunks; q++) { sum += partial[q * C + c]; }
  let value = sum / f32(N);
  if (PASS == 0u) {
    stats[c] = value;
    return;
  }
  stats[C + c] = value;
  let unbiased = value * f32(N) / f32(max(N, 2u) - 1u);
  running[c] = (1.0 - MOMENTUM) * running[c] + MOMENTUM * stats[c];
  running[C + c] = (1.0 - MOMENTUM) * running[C + c] + MOMENTUM * unbiased;
}
