// conv2d_backward_input: the gradient reaching a convolution layer's input, through the
// activation of the layer that produced that input.
//
//   dX[b, c, y, x] = f'(xPrev[b, c, y, x]) · Σ_o Σ_i Σ_j dY[b, o, (y + P − i)/S, (x + P − j)/S] · W[o, c, i, j]
// over the (i, j) where both divisions are exact and inside the output (a transposed
// convolution, written as a gather so every dX element is written once, without atomics).
// Each invocation computes four input channels of one pixel: per (o, i, j) one dY load
// serves four weights. Channels past IC load clamped weights and are not stored.
// Bindings: 0 dY (read, (B, OC, OH, OW)), 1 wb (read, W (OC, IC, KH, KW) then b),
//           2 xPrev (read, (B, IC, H, W): the layer's input, f's output),
//           3 dX (read_write, (B, IC, H, W)), 4 dims (uniform ConvDims).
// Dispatch: flat over B·ICB·H·W invocations (x fastest), ceil(n / WG) folded into x and y.
// Overrides: WG, ACT (f, the activation that produced xPrev).
// #include activations
// #include conv_common

@group(0) @binding(0) var<storage, read> dY: array<f32>;
@group(0) @binding(1) var<storage, read> wb: array<f32>;
@group(0) @binding(2) var<storage, read> xPrev: array<f32>;
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;
@group(0) @binding(4) var<uniform> d: ConvDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * d.ICB * d.H * d.W) { return; }
  let x = q % d.W;
  let y = (q / d.W) % d.H;
  let cb = (q / (d.W * d.H)) % d.ICB;
  let b = q / (d.W * d.H * d.ICB);
  let c0 = cb * 4u;
  let cLast = d.IC - 1u;
  let KK = d.KH * d.KW;
  let CK = d.IC * KK;
  let wc = vec4<u32>(min(c0, cLast), min(c0 + 1u, cLast), min(c0 + 2u, cLast), min(c0 + 3u, cLast)) * KK;
  var acc = vec4<f32>(0.0);
  for (var i = 0u; i < d.KH; i++) {
    let ty = i32(y + d.P) - i32(i);
    if (ty < 0 || u32(ty) % d.S != 0u) { continue; }
    let oy = u32(ty) / d.S;
    if (oy >= d.OH) { continue; }
    for (var j = 0u; j < d.KW; j++) {
      let tx = i32(x + d.P) - i32(j);
      if (tx < 0 || u32(tx) % d.S != 0u) { continue; }
      let ox = u32(tx) / d.S;
      if (ox >= d.OW) { continue; }
      let k = i * d.KW + j;
      for (var o = 0u; o < d.OC; o++) {
        let g = dY[((b * d.OC + o) * d.OH + oy) * d.OW + ox];
        let w0 = o * CK + k;
        acc += g * vec4<f32>(wb[w0 + wc.x], wb[w0 + wc.y], wb[w0 + wc.z], wb[w0 + wc.w]);
      }
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let c = c0 + r;
    if (c >= d.IC) { break; }
    let at = ((b * d.IC + c) * d.H + y) * d.W + x;
    dX[at] = acc[r] * activationGrad(xPrev[at], ACT);
  }
}
