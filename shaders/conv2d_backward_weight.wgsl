// conv2d_backward_weight: partial sums of a convolution layer's weight and bias gradients,
// one set per batch slice; conv2d_weight_reduce adds the slices (and can apply the SGD step).
//
//   partial[s, o·CK + (c·KH + i)·KW + j] = Σ_{b in slice s} Σ_y Σ_x dY[b, o, y, x] · in[b, c, y·S − P + i, x·S − P + j]
//   partial[s, OC·CK + o]                = Σ_{b in slice s} Σ_y Σ_x dY[b, o, y, x]     (the bias)
// with CK = IC·KH·KW: each slice is laid out as the layer's parameter block [W; b].
// Why slices: a layer has few weights (150 for LeNet's first) but each sums over
// B·OH·OW ≈ 78,400 products; splitting the batch gives a GPU thousands of invocations
// instead of a hundred. Each invocation sums four output channels for one (c, i, j)
// (or the bias, index CK): one input load serves four dY loads.
// Bindings: 0 x (read, (B, IC, H, W)), 1 dY (read, (B, OC, OH, OW)),
//           2 partial (read_write, SLICES·(CK + 1)·OC), 3 dims (uniform ConvDims).
// Dispatch: flat over SLICES·OCB·(CK + 1) invocations ((c, i, j) fastest), folded into x and y.
// Overrides: WG.
// #include conv_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@group(0) @binding(3) var<uniform> d: ConvDims;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let CK = d.IC * d.KH * d.KW;
  if (q >= d.SLICES * d.OCB * (CK + 1u)) { return; }
  let k = q % (CK + 1u);
  let ob = (q / (CK + 1u)) % d.OCB;
  let s = q / ((CK + 1u) * d.OCB);
  let o0 = ob * 4u;
  let oLast = d.OC - 1u;
  let oc = vec4<u32>(min(o0, oLast), min(o0 + 1u, oLast), min(o0 + 2u, oLast), min(o0 + 3u, oLast));
  // Batch rows of this slice.
  let per = (d.B + d.SLICES - 1u) / d.SLICES;
  let b0 = s * per;
  let b1 = min(d.B, b0 + per);
  let isBias = k == CK;
  let c = k / (d.KH * d.KW);
  let i = (k / d.KW) % d.KH;
  let j = k % d.KW;
  let OHW = d.OH * d.OW;
  var acc = vec4<f32>(0.0);
  for (var b = b0; b < b1; b++) {
    let dyb = vec4<u32>(b * d.OC) + oc;
    let plane = (b * d.IC + c) * d.H;
    for (var oy = 0u; oy < d.OH; oy++) {
      let y = i32(oy * d.S + i) - i32(d.P);
      if (!isBias && (y < 0 || y >= i32(d.H))) { continue; }
      let row = (plane + u32(max(y, 0))) * d.W;
      let dyRow = dyb * OHW + vec4<u32>(oy * d.OW);
      for (var ox = 0u; ox < d.OW; ox++) {
        let xx = i32(ox * d.S + j) - i32(d.P);
        var v = 1.0;
        if (!isBias) {
          if (xx < 0 || xx >= i32(d.W)) { continue; }
          v = x[row + u32(xx)];
        }
        let at = dyRow + vec4<u32>(ox);
        acc += v * vec4<f32>(dY[at.x], dY[at.y], dY[at.z], dY[at.w]);
      }
    }
  }
  let size = (CK + 1u) * d.OC;
  for (var r = 0u; r < 4u; r++) {
    let o = o0 + r;
    if (o >= d.OC) { break; }
    let at = select(o * CK + k, d.OC * CK + o, isBias);
    partial[s * size + at] = acc[r];
  }
}
