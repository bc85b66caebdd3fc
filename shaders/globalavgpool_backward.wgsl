// globalavgpool_backward: every position of a channel receives an equal share of the
// channel's gradient, through the activation of the layer whose output was pooled.
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · dY[b, c] / (H·W)
// Channels last (NHWC).
// Bindings: 0 dY (read, (B, C)), 1 xPrev (read, (B, H, W, C)),
//           2 dX (read_write, (B, H, W, C)), 3 dims (uniform GapDims: B).
// Dispatch: flat over B·H·W·C invocations, folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev); C, H, W (the input's sizes).
// #include activations

@group(0) @binding(0) var<storage, read> dY: array<f32>;
@group(0) @binding(1) var<storage, read> xPrev: array<f32>;
@group(0) @binding(2) var<storage, read_write> dX: array<f32>;
@group(0) @binding(3) var<uniform> d: GapDims;

struct GapDims { B: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
override C: u32;
override H: u32;
override W: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * H * W * C) { return; }
  let c = q % C;
  let b = q / (C * H * W);
  dX[q] = dY[b * C + c] / f32(H * W) * activationGrad(xPrev[q], ACT);
}
