// conv2d_forward: a convolution layer's forward pass, bias and activation fused.
//
//   out[b, o, y, x] = act(bias[o] + Σ_c Σ_i Σ_j in[b, c, y·S − P + i, x·S − P + j] · W[o, c, i, j])
// Cross-correlation (the kernel is not flipped), as every framework's conv layer; the
// lectures' flipped convolution is this with a rotated kernel (src/cpu/conv.ts convolve2d).
// Each invocation computes four output channels at four neighbouring x positions (16
// accumulators): per (c, i, j) four inputs and four weights are loaded for 16 FMAs.
// Out-of-range channels and columns load clamped indices and are not stored.
// Bindings: 0 x (read, (B, IC, H, W)), 1 wb (read, W (OC, IC·KH·KW) then b (OC)),
//           2 out (read_write, (B, OC, OH, OW)), 3 dims (uniform ConvDims).
// Dispatch: flat over B·OCB·OH·OWB invocations (xBlock fastest, then y, channel block, b),
//           ceil(n / WG) workgroups folded into x and y.
// Overrides: WG, ACT.
// #include activations
// #include conv_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wb: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> d: ConvDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= d.B * d.OCB * d.OH * d.OWB) { return; }
  let xb = q % d.OWB;
  let oy = (q / d.OWB) % d.OH;
  let ob = (q / (d.OWB * d.OH)) % d.OCB;
  let b = q / (d.OWB * d.OH * d.OCB);
  let o0 = ob * 4u;
  let ox0 = xb * 4u;
  let CK = d.IC * d.KH * d.KW;
  let oLast = d.OC - 1u;
  // Weight rows of the four channels (clamped past OC).
  let wrow = vec4<u32>(min(o0, oLast), min(o0 + 1u, oLast), min(o0 + 2u, oLast), min(o0 + 3u, oLast)) * CK;
  var acc0 = vec4<f32>(0.0); // column ox0, channels o0..o0+3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let iy0 = i32(oy * d.S) - i32(d.P);
  let ix0 = i32(ox0 * d.S) - i32(d.P);
  let S = i32(d.S);
  let Wi = i32(d.W);
  for (var c = 0u; c < d.IC; c++) {
    let plane = (b * d.IC + c) * d.H;
    for (var i = 0u; i < d.KH; i++) {
      let y = iy0 + i32(i);
      if (y < 0 || y >= i32(d.H)) { continue; }
      let row = (plane + u32(y)) * d.W;
      let k0 = (c * d.KH + i) * d.KW;
      for (var j = 0u; j < d.KW; j++) {
        let k = k0 + j;
        let w = vec4<f32>(wb[wrow.x + k], wb[wrow.y + k], wb[wrow.z + k], wb[wrow.w + k]);
        let xs = vec4<i32>(ix0 + i32(j)) + vec4<i32>(0, S, 2 * S, 3 * S);
        let inside = (xs >= vec4<i32>(0)) & (xs < vec4<i32>(Wi));
        let xc = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(Wi - 1)));
        let v = select(vec4<f32>(0.0), vec4<f32>(x[row + xc.x], x[row + xc.y], x[row + xc.z], x[row + xc.w]), inside);
        acc0 += v.x * w;
        acc1 += v.y * w;
        acc2 += v.z * w;
        acc3 += v.w * w;
      }
    }
  }
  var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  let biasAt = d.OC * CK;
  for (var r = 0u; r < 4u; r++) {
    let o = o0 + r;
    if (o >= d.OC) { break; }
    let base = ((b * d.OC + o) * d.OH + oy) * d.OW;
    let bias = wb[biasAt + o];
    for (var t = 0u; t < 4u; t++) {
      let ox = ox0 + t;
      if (ox >= d.OW) { break; }
      out[base + ox] = activate(accs[t][r] + bias, ACT);
    }
  }
}
