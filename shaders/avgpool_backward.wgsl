// avgpool_backward: spreads each output's gradient evenly over its window, through the
// activation of the layer whose output was pooled.
//
//   dX[b, y, x, c] = f'(xPrev[b, y, x, c]) · Σ dY[b, oy, ox, c] / K² over the outputs whose
//                    window covers (y, x)
// A gather over the at most ⌈K/S⌉² covering windows, so each dX element is written once,
// deterministically and without atomics (overlapping windows, S < K, included).
// Channels last (NHWC).
// Bindings: 0 dY (read, (B, OH, OW, C)), 1 xPrev (read, (B, H, W, C)),
//           2 dX (read_write, (B, H, W, C)), 3 dims (uniform PoolDims: B).
// Dispatch: flat over B·H·W·C invocations, folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev), and the sizes of lib/pool_common.wgsl.
// #include activations
// #include pool_common

@group(0) @binding(0) var<storage, read> dY: array<f32>;
@group(0) @binding(1) var<storage, read> xPrev: array<f32>;
@group(0) @binding(2) var<storage, read_write> dX: array<f32>;
@group(0) @binding(3) var<uniform> d: PoolDims;

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
  let r = coveringOutputs(y, x);
  var g = 0.0;
  for (var oy = r.x; oy <= r.z; oy++) {
    for (var ox = r.y; ox <= r.w; ox++) {
      g += dY[((b * OH + u32(oy)) * OW + u32(ox)) * C + c];
    }
  }
  dX[q] = g / f32(K * K) * activationGrad(xPrev[q], ACT);
}
