// conv_gemm: a convolution's matmuls with the im2col matrix read in place ("implicit GEMM"):
// matmul_vec4's 20 × 8 blocks and main loop (lib/matmul_vec4_body.wgsl), whose tiles of A
// are gathered from the layer's input instead of loaded from a materialised im2col matrix.
// No B·OH·OW × KH·KW·IC matrix is written and read back (31 MB for the cnn preset's second
// convolution at batch 100, 64 MB for fast's), and the input it reads instead stays cached.
//
//   col[(b·OH + y)·OW + x, (i·KW + j)·IC + c] = in[b, y·S − P + i, x·S − P + j, c]  (0 in the padding)
//   MODE 0 (forward):          out (B·OH·OW, OC) = act(col · W + bias)            (B = [W; bias], (CK + 1, OC))
//   MODE 2 (weight gradient):  out (CK + 1, OC) = [colᵀ; 1] · dY                  (TRANS_A; B = dY, K = B·OH·OW)
//   MODE 3:                    that gradient applied as an SGD step to out
//   MODE 1 (input gradient):   out (B·H·W, IC) = (col' · W'ᵀ) ⊙ act'(aux) (TRANS_B), col' the
//     im2col of dY over the transposed geometry (src/gpu/ops/conv.ts: stride 1, padding
//     KH − 1 − P) and W' (IC, KH·KW·OC) the flipped weights (conv_flip_weights.wgsl)
// exactly as im2col.wgsl followed by matmul_vec4 (the same products summed in the same
// order: results bit-identical to that pair); CPU twin: src/cpu/conv.ts im2col then the matmul.
// Bindings: 0 in (read, vec4, (B, H, W, IC)), then as matmul_vec4: 1 b (read, vec4), 2 aux
//   (read, vec4), 3 out (read_write, vec4), 4 dims (uniform: M, N, K, lda (unused), ldb, kSlice, pstride).
// Dispatch: as matmul_vec4's (src/gpu/matmul-plans.ts gridOf, kernels vec4 and vec4_rows).
// Overrides: those of matmul_vec4 and the sizes of lib/conv_common.wgsl.
// Constraints (src/gpu/ops/conv.ts implicitConvFits): IC % 4 == 0 (four columns of a row are
//   four channels of one pixel: one vec4 load), N % 4 == 0, CK = KH·KW·IC.
// #include activations
// #include matmul_vec4_common
// #include matmul_split
// #include conv_common
// #include matmul_vec4_body

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;

// Row `row` of the im2col matrix, columns k .. k+3: channels c .. c+3 of one input pixel;
// 0 in the padding. The load is from a clamped, in-bounds pixel and the padding a select:
// no branch for SIMD lanes to diverge on. Sizes are override constants: the divisions are
// multiplications.
fn window4(row: u32, k: u32) -> vec4<f32> {
  let ox = row % OW;
  let oy = (row / OW) % OH;
  let bi = row / (OW * OH);
  let c = k % IC;
  let j = (k / IC) % KW;
  let i = k / (IC * KW);
  let y = i32(oy * S + i) - i32(P);
  let xx = i32(ox * S + j) - i32(P);
  let inside = y >= 0 && y < i32(H) && xx >= 0 && xx < i32(W);
  let at = ((bi * H + u32(clamp(y, 0, i32(H) - 1))) * W + u32(clamp(xx, 0, i32(W) - 1))) * IC + c;
  return select(vec4(0.0), a[at / 4u], inside);
}

// Columns kk of the result are op(A)[m0 .. m0+3, k + kk], as lib/matmul_vec4_tile_a.wgsl's.
fn tileA(m0: u32, k: u32) -> mat4x4<f32> {
  if (TRANS_A) {
    // op(A) = [colᵀ; 1]: rows m0 .. m0+3 are four columns of col (channels of one pixel),
    // k .. k+3 four of its rows; rows of col from K on (the last step of a ragged K) read
    // the last one, which tileB's zero rows cancel. The ones row reads as ones.
    let ones = MODE >= 2u && m0 == dims.M - 1u;
    let one = vec4(1.0);
    if (!SELECTS && ones) { return mat4x4<f32>(one, one, one, one); }
    let last = dims.K - 1u;
    return mat4x4<f32>(
      select(window4(min(k, last), m0), one, ones),
      select(window4(min(k + 1u, last), m0), one, ones),
      select(window4(min(k + 2u, last), m0), one, ones),
      select(window4(min(k + 3u, last), m0), one, ones),
    );
  }
  // Rows past M repeat the last row (never stored).
  let last = dims.M - 1u;
  return transpose(mat4x4<f32>(
    window4(min(m0, last), k),
    window4(min(m0 + 1u, last), k),
    window4(min(m0 + 2u, last), k),
    window4(min(m0 + 3u, last), k),
  ));
}
