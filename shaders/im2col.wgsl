// im2col: the input windows of a convolution as the rows of a matrix, so that the layer's
// forward pass and weight gradient are the dense layer's matmuls (matmul_*.wgsl) with
// M = B·OH·OW rows: large, well-shaped problems for any GPU.
//
//   col[(b·OH + y)·OW + x, (i·KW + j)·IC + c] = in[b, y·S − P + i, x·S − P + j, c]  (0 in the padding),
//   columns CK .. CKP − 1: 0
// One invocation per four consecutive columns of a row (CKP is a multiple of 4), stored as
// one vec4: neighbouring invocations write neighbouring 16 bytes (contiguous stores). With
// IC a multiple of 4 the four columns are four channels of one input pixel, one bounds
// check and four contiguous loads; otherwise each column finds its own pixel. The sizes are
// override constants, so the index arithmetic divides by constants. Writing four columns
// per store measured 1.2–1.4× faster than one column a store on llvmpipe (process CPU time at the
// presets' shapes, batch 100, 2026-12-07).
// Bindings: 0 x (read, (B, H, W, IC)), 1 col (read_write, vec4, (B·OH·OW, CKP / 4)), 2 dims (uniform ConvDims: B).
// Dispatch: flat over B·OH·OW·CKP / 4 invocations, folded into x and y.
// Overrides: WG, and the sizes of lib/conv_common.wgsl.
// #include conv_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> col: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> d: ConvDims;

override WG: u32 = 256u;

// in[b, oy·S − P + i, ox·S − P + j, c] for column k = (i·KW + j)·IC + c; 0 in the padding
// and for k ≥ CK.
fn windowValue(b: u32, oy: u32, ox: u32, k: u32) -> f32 {
  let c = k % IC;
  let j = (k / IC) % KW;
  let i = k / (IC * KW);
  // Unsigned: a row or column above or left of the image wraps past H or W. No branches: the
  // load's index is clamped into the image and the padding is a select.
  let y = oy * S + i - P;
  let xx = ox * S + j - P;
  let inside = (k < CK) & (y < H) & (xx < W);
  return select(0.0, x[((b * H + min(y, H - 1u)) * W + min(xx, W - 1u)) * IC + c], inside);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  let C4 = CKP / 4u;
  if (q >= d.B * OH * OW * C4) { return; }
  let k = (q % C4) * 4u;
  let row = q / C4;
  let ox = row % OW;
  let oy = (row / OW) % OH;
  let b = row / (OW * OH);
  if (IC % 4u == 0u) {
    // Columns k .. k+3: channels c .. c+3 of one pixel (CK = CKP).
    let c = k % IC;
    let j = (k / IC) % KW;
    let i = k / (IC * KW);
    let y = i32(oy * S + i) - i32(P);
    let xx = i32(ox * S + j) - i32(P);
    var v = vec4(0.0);
    if (y >= 0 && y < i32(H) && xx >= 0 && xx < i32(W)) {
      let at = ((b * H + u32(y)) * W + u32(xx)) * IC + c;
      v = vec4(x[at], x[at + 1u], x[at + 2u], x[at + 3u]);
    }
    col[q] = v;
    return;
  }
  col[q] = vec4(windowValue(b, oy, ox, k), windowValue(b, oy, ox, k + 1u), windowValue(b, oy, ox, k + 2u), windowValue(b, oy, ox, k + 3u));
}
