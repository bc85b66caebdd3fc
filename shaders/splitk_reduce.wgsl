// splitk_reduce: the second phase of a split-K matmul. The matmul kernels with SPLIT (see
// lib/matmul_common.wgsl) leave one partial product per slice of k in `partial`; this adds
// them in slice order (deterministic, no atomics) and applies the matmul's epilogue:
//   g[i] = Σ_s partial[s·stride + i],  i = m·N + n < size = M·N
//   MODE 0  forward:         out[i] = act(g[i] + c[biasOffset + n])   (c: B's storage, bias row)
//   MODE 1  backward input:  out[i] = g[i] · act'(c[i])                (c: aux, (M, N))
//   MODE 2  backward weight: out[i] = g[i]
//   MODE 3  and SGD step:    out[i] = w − lr·(g[i] + l2·w), w = out[i], l2 only where i < weights
//                            ((M − 1)·N: not the bias row); c: the optimiser, lr = c[0], l2 = c[1]
// Why split-K: a matmul whose output has few blocks but a long k (a 100 × 300 layer output
// over K = 784 inputs; a convolution's weight gradient over B·OH·OW im2col rows) leaves
// most compute units of a GPU idle; slices of k give every one work, for the price of
// slices·M·N floats written and read again here.
// Bindings: 0 partial (read, SLICES·stride), 1 c (read, as above), 2 out (read_write, M·N),
//           3 dims (uniform).
// Dispatch: flat over size invocations, folded into x and y (src/gpu/dispatch.ts).
// Overrides: WG, MODE (0-3), ACT (MODE 0 and 1).
// #include activations

struct ReduceDims {
  SLICES: u32, size: u32, N: u32, stride: u32,
  weights: u32, biasOffset: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> d: ReduceDims;

override WG: u32 = 256u;
override MODE: u32 = 2u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.size) { return; }
  var g = 0.0;
  for (var s = 0u; s < d.SLICES; s++) { g += partial[s * d.stride + i]; }
  switch (MODE) {
    case 0u: { out[i] = activate(g + c[d.biasOffset + i % d.N], ACT); }
    case 1u: { out[i] = g * activationGrad(c[i], ACT); }
    case 3u: {
      let w = out[i];
      out[i] = w - c[0] * (g + select(0.0, c[1] * w, i < d.weights));
    }
    default: { out[i] = g; }
  }
}
