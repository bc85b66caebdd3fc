// gather_batch_vec4: gather_batch for images whose pixel count is a multiple of 4 (MNIST:
// 784): one invocation turns one u32 word of four pixels into a vec4 with unpack4x8unorm.
//
//   i = indices[step.start + b]
//   x[b, 4q .. 4q+3] = unpack4x8unorm(images[(i·P)/4 + q])     (bytes / 255)
//   y[b] = labels[i]
// Bindings: 0 images (read, u32 words), 1 labels (read, u32 words of bytes), 2 indices (read, u32),
//           3 x (read_write, vec4 (B, P/4)), 4 y (read_write, u32 (B)), 5 dims (uniform);
//           group 1: step (uniform, dynamic offset).
// Dispatch: flat over B·P/4 words, ceil(B·P/4 / WG) workgroups folded into x and y.
// Overrides: WG. Constraint: P % 4 == 0 (src/gpu/ops/gather.ts uses gather_batch otherwise).
// #include step

struct Dims { B: u32, P: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labelBytes: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let words = dims.P / 4u;
  if (e >= dims.B * words) { return; }
  let b = e / words;
  let q = e % words;
  let i = indices[step.start + b];
  x[e] = unpack4x8unorm(images[i * words + q]);
  if (q == 0u) { y[b] = (labelBytes[i / 4u] >> ((i & 3u) * 8u)) & 0xffu; }
}
