// batchnorm_backward_sums_vec4: batchnorm_backward_sums for C a multiple of 4, four channels
// per invocation: one vec4 load each of x and dY per row instead of four float loads (fast's
// 24-channel batch norms over 73,728-86,528 rows). The same sums in the same order, so the same
// results and the same CPU twin (src/cpu/batchnorm.ts batchnormBackwardSums):
//
//   partial[q, c] = (Σ_{r in chunk q} g[r, c]·x̂[r, c],  Σ_{r in chunk q} g[r, c])
// over chunks q of ROWS rows, x̂ = (x − mean)·istd, istd = 1/√(var + EPS). Invocation
// q·C/4 + c4 takes channels 4·c4 .. 4·c4 + 3 of chunk q: neighbouring invocations read
// neighbouring 16 bytes of the channels-last x and dY.
// Bindings: 0 x (read, vec4, (N, C / 4)), 1 dY (read, vec4, (N, C / 4)), 2 stats (read, vec4,
//           (2, C / 4): the batch's mean then variance), 3 partial (read_write, (ceil(N / ROWS), C)
//           vec2), 4 dims (uniform BnDims: N).
// Dispatch: flat over ceil(N / ROWS)·C / 4 invocations, folded into x and y.
// Overrides: WG, C (a multiple of 4), EPS, ROWS.
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dY: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> partial: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ROWS: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C4 = C / 4u;
  let g = gid.x + gid.y * nwg.x * WG;
  if (g >= (dims.N + ROWS - 1u) / ROWS * C4) { return; }
  let c4 = g % C4;
  let q = g / C4;
  let mean = stats[c4];
  let istd = inverseSqrt(stats[C4 + c4] + EPS);
  let end = min((q + 1u) * ROWS, dims.N);
  var gx = vec4(0.0);
  var gs = vec4(0.0);
  for (var r = q * ROWS; r < end; r++) {
    let i = r * C4 + c4;
    let d = dY[i];
    gx += d * (x[i] - mean) * istd;
    gs += d;
  }
  let at = q * C + c4 * 4u;
  partial[at] = vec2(gx.x, gs.x);
  partial[at + 1u] = vec2(gx.y, gs.y);
  partial[at + 2u] = vec2(gx.z, gs.z);
  partial[at + 3u] = vec2(gx.w, gs.w);
}
