// weight_grad_reduce: the second phase of a split-K weight gradient. The rows of a long
// reduction (a convolution's B·OH·OW im2col rows) are cut into SLICES, each slice's
// gradient [dW; dB] computed by a matmul in MODE 2 into its own part of `partial`; this
// adds them (in slice order: deterministic, no atomics) into the layer's gradient block
// (MODE 2), or applies the sum as an SGD step to the layer's block [W; b] in place (MODE 3:
// w − lr·(g + l2·w), biases not decayed; lr = opt[0], l2 = opt[1], the optimiser buffer of
// lib/optimizer.wgsl), as the matmul kernels' MODE 2 and 3 do.
//   g[idx] = Σ_s partial[s·stride + idx],  size = (C + 1)·OC, weights = C·OC
// Bindings: 0 partial (read, SLICES·stride), 1 opt (read, the optimiser), 2 out (read_write, size),
//           3 dims (uniform: SLICES, size, weights, stride (size rounded up to 64 floats)).
// Dispatch: flat over size invocations, folded into x and y.
// Overrides: WG, MODE (2 or 3).

struct ReduceDims { SLICES: u32, size: u32, weights: u32, stride: u32 }

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read> opt: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> d: ReduceDims;

override WG: u32 = 256u;
override MODE: u32 = 2u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= d.size) { return; }
  var g = 0.0;
  for (var s = 0u; s < d.SLICES; s++) { g += partial[s * d.stride + idx]; }
  if (MODE == 3u) {
    let w = out[idx];
    out[idx] = w - opt[0] * (g + select(0.0, opt[1] * w, idx < d.weights));
  } else {
    out[idx] = g;
  }
}
