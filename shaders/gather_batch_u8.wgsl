// gather_batch_u8: gather_batch that keeps the pixels as bytes, for a layer 1 that reads
// them with matmul_vec4_u8: one invocation copies 16 pixels (a vec4<u32>).
//
//   i = indices[step.start + b]
//   x[b, 16q .. 16q+15] = images[i·P + 16q .. i·P + 16q + 15]      (bytes, four to a u32)
//   y[b] = labels[i]
// Bindings: 0 images (read, vec4<u32>), 1 labels (read, u32 words of bytes), 2 indices (read, u32),
//           3 x (read_write, vec4<u32> (B, P/16)), 4 y (read_write, u32 (B)), 5 dims (uniform);
//           group 1: step (uniform, dynamic offset).
// Dispatch: flat over B·P/16 vectors, ceil(B·P/16 / WG) workgroups folded into x and y.
// Overrides: WG. Constraint: P % 16 == 0 (matmul_vec4_u8 needs it too).
// #include step

struct Dims { B: u32, P: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> images: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> labelBytes: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let words = dims.P / 16u;
  if (e >= dims.B * words) { return; }
  let b = e / words;
  let q = e % words;
  let i = indices[step.start + b];
  x[e] = images[i * words + q];
  if (q == 0u) { y[b] = (labelBytes[i / 4u] >> ((i & 3u) * 8u)) & 0xffu; }
}
