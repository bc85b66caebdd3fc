// copy_vec4: dst[i] = src[i] for the first n vec4s. Stages a convolution's block [W; bias] into
// the 64 KiB uniform buffer conv_gemm_ub reads its B from (src/gpu/ops/conv.ts): the layer's
// parameters live in one storage buffer, which cannot be bound as a uniform. CPU twin: a copy
// (Float32Array.prototype.set); test/gpu/ops/conv-gemm.test.ts compares it exactly.
// Bindings: 0 src (read, vec4), 1 dst (read_write, vec4), 2 dims (uniform: n, the vec4s to copy).
// Dispatch: flat over n invocations, folded into x and y (src/gpu/dispatch.ts flatDispatch).
// Overrides: WG.

struct Dims { n: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> dims: Dims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < dims.n) { dst[i] = src[i]; }
}
