// batchnorm_stats: each channel's batch mean and biased variance (training mode of batch
// normalization), and the running averages moved towards the mean and unbiased variance.
//
//   mean[c] = Σ_r x[r, c] / N;  var[c] = Σ_r (x[r, c] − mean[c])² / N     (two passes)
//   running[c]     ← (1 − MOMENTUM)·running[c]     + MOMENTUM·mean[c]
//   running[C + c] ← (1 − MOMENTUM)·running[C + c] + MOMENTUM·var[c]·N / max(N − 1, 1)
// Bindings: 0 x (read, (N, C) row-major: channels last), 1 stats (read_write, (2, C): mean
//           then variance), 2 running (read_write, (2, C): running mean then variance),
//           3 dims (uniform BnDims: N).
// Dispatch: (C, 1, 1): one workgroup per channel; its WG invocations stride over the rows
//           and sum in workgroup memory (deterministic, no atomics).
// Overrides: WG (a power of two), C, MOMENTUM.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read_write> running: array<f32>;
@group(0) @binding(3) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override MOMENTUM: f32 = 0.1;
// #include batch_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = lid.x;
  let c = wid.x;
  let N = dims.N;
  var sum = 0.0;
  for (var r = t; r < N; r += WG) { sum += x[r * C + c]; }
  let mean = workgroupSum(t, vec2<f32>(sum, 0.0)).x / f32(N);
  workgroupBarrier();
  var sq = 0.0;
  for (var r = t; r < N; r += WG) {
    let d = x[r * C + c] - mean;
    sq += d * d;
  }
  let variance = workgroupSum(t, vec2<f32>(sq, 0.0)).x / f32(N);
  if (t == 0u && c < C) {
    stats[c] = mean;
    stats[C + c] = variance;
    let unbiased = variance * f32(N) / f32(max(N, 2u) - 1u);
    running[c] = (1.0 - MOMENTUM) * running[c] + MOMENTUM * mean;
    running[C + c] = (1.0 - MOMENTUM) * running[C + c] + MOMENTUM * unbiased;
  }
}
