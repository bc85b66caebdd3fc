// globalavgpool_forward: the mean of each channel over the whole image.
//
//   out[b, c] = Σ over y < H, x < W of in[b, y, x, c] / (H·W)
// (nn.AdaptiveAvgPool2d(1)). One invocation per (b, c): consecutive invocations read
// consecutive channels of the same position, contiguous loads.
// Bindings: 0 x (read, (B, H, W, C)), 1 out (read_write, (B, C)), 2 dims (uniform GapDims: B).
// Dispatch: flat over B·C invocations, folded into x and y.
// Overrides: WG; C, H, W (the input's sizes).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> d: GapDims;

struct GapDims { B: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

override WG: u32 = 64u;
override C: u32;
override H: u32;
override W: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * C) { return; }
  let c = q % C;
  let b = q / C;
  var s = 0.0;
  for (var p = 0u; p < H * W; p++) {
    s += x[(b * H * W + p) * C + c];
  }
  out[q] = s / f32(H * W);
}
