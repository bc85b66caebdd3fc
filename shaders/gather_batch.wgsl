// gather_batch: builds a mini-batch on the GPU from the resident u8 dataset.
//
//   i = indices[step.start + b]
//   x[b, p] = images[i·P + p] / 255      (bytes packed four to a u32, little-endian)
//   y[b]    = labels[i]
// Bindings: 0 images (read, u32 words of N·P bytes), 1 labels (read, u32 words of N bytes),
//           2 indices (read, u32), 3 x (read_write, (B, P)), 4 y (read_write, u32 (B)),
//           5 dims (uniform); group 1: step (uniform, dynamic offset).
// Dispatch: flat over B·P elements, ceil(B·P / WG) workgroups folded into x and y
//           (src/gpu/dispatch.ts); invocation id = gid.x + gid.y · (num_workgroups.x · WG).
// Overrides: WG.
// #include step

struct Dims { B: u32, P: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labelBytes: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;
@group(0) @binding(5) var<uniform> dims: Dims;

override WG: u32 = 256u;

fn byteAt(word: u32, byteIndex: u32) -> u32 {
  return (word >> ((byteIndex & 3u) * 8u)) & 0xffu;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  if (e >= dims.B * dims.P) { return; }
  let b = e / dims.P;
  let p = e % dims.P;
  let i = indices[step.start + b];
  let byteIndex = i * dims.P + p;
  x[e] = f32(byteAt(images[byteIndex / 4u], byteIndex)) / 255.0;
  if (p == 0u) { y[b] = byteAt(labelBytes[i / 4u], i); }
}
