// batchnorm_stats_sums_vec4: batchnorm_stats_sums for C a multiple of 4, four channels per
// invocation: one vec4 load of x per row instead of four float loads. The same sums in the
// same order, so the same results and the same CPU twin (src/cpu/batchnorm.ts batchnormStatsSums):
//
//   PASS 0: partial[q, c] = Σ_{r in chunk q} x[r, c]
//   PASS 1: partial[q, c] = Σ_{r in chunk q} (x[r, c] − mean[c])²,  mean[c] = stats[c]
// over chunks q of ROWS rows. Invocation q·C/4 + c4 takes channels 4·c4 .. 4·c4 + 3 of chunk q:
// neighbouring invocations read neighbouring 16 bytes of the channels-last x.
// Bindings: 0 x (read, vec4, (N, C / 4)), 1 stats (read, vec4, (2, C / 4): PASS 1 reads the mean),
//           2 partial (read_write, vec4, (ceil(N / ROWS), C / 4)), 3 dims (uniform BnDims: N).
// Dispatch: flat over ceil(N / ROWS)·C / 4 invocations, folded into x and y.
// Overrides: WG, C (a multiple of 4), ROWS, PASS (0 or 1).
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> partial: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;
override PASS: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C4 = C / 4u;
  let g = gid.x + gid.y * nwg.x * WG;
  if (g >= (dims.N + ROWS - 1u) / ROWS * C4) { return; }
  let c4 = g % C4;
  let q = g / C4;
  let end = min((q + 1u) * ROWS, dims.N);
  var sum = vec4(0.0);
  if (PASS == 0u) {
    for (var r = q * ROWS; r < end; r++) { sum += x[r * C4 + c4]; }
  } else {
    let mean = stats[c4];
    for (var r = q * ROWS; r < end; r++) {
      let d = x[r * C4 + c4] - mean;
      sum += d * d;
    }
  }
  partial[g] = sum;
}
