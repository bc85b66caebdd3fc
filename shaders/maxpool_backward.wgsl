// maxpool_backward: routes each output's gradient to the input that was its maximum,
// through the activation of the layer whose output was pooled.
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · Σ dY[b, oy, ox, c] over the outputs whose window
//                    covers (y, x) and whose argmax is (y, x)
// A gather over the at most ⌈K/S⌉² covering windows, so each dX element is written once,
// deterministically and without atomics. src/gpu/ops/pool.ts runs it for overlapping
// windows (S < K); maxpool_backward_cells, one invocation per output, takes S ≥ K.
// Channels last (NHWC).
// Bindings: 0 dY (read, (B, OH, OW, C)), 1 argmax (read, u32), 2 xPrev (read, (B, H, W, C)),
//           3 dX (read_write, (B, H, W, C)), 4 dims (uniform PoolDims: B).
// Dispatch: flat over B·H·W·C invocations, folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev), and the sizes of lib/pool_common.wgsl.
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
  if (q >= d.B * C * H * W) { return; }
  let c = q % C;
  let x = (q / C) % W;
  let y = (q / (C * W)) % H;
  let b = q / (C * W * H);
  let me = y * W + x;
  var g = 0.0;
  let r = coveringOutputs(y, x);
  for (var oy = r.x; oy <= r.z; oy++) {
    for (var ox = r.y; ox <= r.w; ox++) {
      let o = ((b * OH + u32(oy)) * OW + u32(ox)) * C + c;
      if (argmax[o] == me) { g += dY[o]; }
    }
  }
  dX[q] = g * activationGrad(xPrev[q], ACT);
}
