// conv2d_weight_reduce: adds the batch slices of conv2d_backward_weight into the layer's
// gradient block [dW; dB] (MODE 2), or applies it as an SGD step to the layer's block
// [W; b] in place (MODE 3: w − lr·(g + l2·w), biases not decayed; lr = opt[0], l2 = opt[1],
// the optimiser buffer of lib/optimizer.wgsl), as the matmul kernels' MODE 2 and 3 do.
//   g[idx] = Σ_s partial[s·size + idx],  size = (CK + 1)·OC, weights = CK·OC
// Bindings: 0 partial (read, SLICES·size), 1 opt (read, the optimiser), 2 out (read_write, size),
//           3 dims (uniform: SLICES, size, weights, 0).
// Dispatch: flat over size invocations, folded into x and y.
// Overrides: WG, MODE (2 or 3).

struct ReduceDims { SLICES: u32, size: u32, weights: u32, _pad: u32 }

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read> opt: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> d: ReduceDims;

override WG: u32 = 64u;
override MODE: u32 = 2u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= d.size) { return; }
  var g = 0.0;
  for (var s = 0u; s < d.SLICES; s++) { g += partial[s * d.size + idx]; }
  if (MODE == 3u) {
    let w = out[idx];
    out[idx] = w - opt[0] * (g + select(0.0, opt[1] * w, idx < d.weights));
  } else {
    out[idx] = g;
  }
}
