// maxpool_backward: routes each output's gradient to the input that was its maximum,
// through the activation of the layer whose output was pooled.
//
//   dX[b, c, y, x] = f'(xPrev[b, c, y, x]) · Σ dY[b, c, oy, ox] over the outputs whose window
//                    covers (y, x) and whose argmax is (y, x)
// A gather over the at most ⌈K/S⌉² covering windows, so each dX element is written once,
// deterministically and without atomics (overlapping windows, S < K, included).
// Bindings: 0 dY (read, (B, C, OH, OW)), 1 argmax (read, u32), 2 xPrev (read, (B, C, H, W)),
//           3 dX (read_write, (B, C, H, W)), 4 dims (uniform PoolDims).
// Dispatch: flat over B·C·H·W invocations, folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev).
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
  if (q >= d.B * d.C * d.H * d.W) { return; }
  let x = q % d.W;
  let y = (q / d.W) % d.H;
  let p = q / (d.W * d.H);
  let me = y * d.W + x;
  // Outputs whose window covers (y, x): oy·S − P ≤ y ≤ oy·S − P + K − 1.
  let ylo = i32(y + d.P) - i32(d.K) + 1;
  let xlo = i32(x + d.P) - i32(d.K) + 1;
  let S = i32(d.S);
  let oy0 = u32(max(0, (ylo + S - 1) / S * select(0, 1, ylo > 0)));
  let ox0 = u32(max(0, (xlo + S - 1) / S * select(0, 1, xlo > 0)));
  let oy1 = min(i32(d.OH) - 1, i32(y + d.P) / S);
  let ox1 = min(i32(d.OW) - 1, i32(x + d.P) / S);
  var g = 0.0;
  for (var oy = i32(oy0); oy <= oy1; oy++) {
    for (var ox = i32(ox0); ox <= ox1; ox++) {
      let o = (p * d.OH + u32(oy)) * d.OW + u32(ox);
      if (argmax[o] == me) { g += dY[o]; }
    }
  }
  dX[q] = g * activationGrad(xPrev[q], ACT);
}
