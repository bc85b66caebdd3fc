// maxpool_backward_cells: max pooling's backward pass for windows that do not overlap
// (S ≥ K, the usual pool2), one invocation per output, as the forward pass runs: each
// output owns the cell of inputs from its window's top-left corner to the next window's
// (the first cell from row and column 0, the last to the image's edge), and writes every
// input of it: its gradient at the input that was its maximum, 0 elsewhere.
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · dY[b, oy, ox, c] where (y, x) is argmax[b, oy, ox, c]
//                    of the output (oy, ox) whose cell holds (y, x); 0 elsewhere
// With S ≥ K an input lies in at most one window, and that window's output owns its cell,
// so this is maxpool_backward's sum; the cells tile the image, so each dX element is
// written once, deterministically, without atomics. xPrev is read only at the maxima; an
// output reads its argmax and dY once instead of once per input of its window.
// Channels last (NHWC): consecutive invocations are consecutive channels, contiguous stores.
// Bindings: 0 dY (read, (B, OH, OW, C)), 1 argmax (read, u32), 2 xPrev (read, (B, H, W, C)),
//           3 dX (read_write, (B, H, W, C)), 4 dims (uniform PoolDims: B).
// Dispatch: flat over B·OH·OW·C invocations, folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev), and the sizes of
// lib/pool_common.wgsl; S ≥ K (src/gpu/ops/pool.ts runs maxpool_backward otherwise).
// #include activations
// #include pool_common

@group(0) @binding(0) var<storage, read> dY: array<f32>;
@group(0) @binding(1) var<storage, read> argmax: array<u32>;
@group(0) @binding(2) var<storage, read> xPrev: array<f32>;
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;
@group(0) @binding(4) var<uniform> d: PoolDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * C * OH * OW) { return; }
  let c = q % C;
  let ox = (q / C) % OW;
  let oy = (q / (C * OW)) % OH;
  let b = q / (C * OW * OH);
  let cell = poolCell(oy, ox);
  let at = argmax[q];
  let plane = b * H * W;
  var g = 0.0;
  if (at < H * W) { g = dY[q] * activationGrad(xPrev[(plane + at) * C + c], ACT); }
  for (var y = cell.x; y < cell.z; y++) {
    for (var x = cell.y; x < cell.w; x++) {
      let me = y * W + x;
      dX[(plane + me) * C + c] = select(0.0, g, me == at);
    }
  }
}
