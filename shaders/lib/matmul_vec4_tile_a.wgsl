// op(A)'s 4 × 4 tiles read from a stored matrix A (binding 0, vec4): what matmul_vec4 and
// matmul_vec4_edge multiply; spliced in where they say `// #include matmul_vec4_tile_a`,
// before lib/matmul_vec4_body.wgsl, whose main loop calls tileA (conv_gemm.wgsl has its own,
// reading a convolution's input in place of the im2col matrix). SELECTS is the body's.

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;

// Columns kk of the result are op(A)[m0 .. m0+3, k + kk].
fn tileA(m0: u32, k: u32) -> mat4x4<f32> {
  if (TRANS_A) {
    // Stored (K, lda): A[m, k] = a[k·lda + m], contiguous along m.
    // The ones row of MODEs 2 and 3 reads as ones. K need not be a multiple of 4 here:
    // columns from K on read whatever the binding holds there, which tileB's zero rows cancel.
    let ones = MODE >= 2u && m0 == dims.M - 1u;
    let one = vec4(1.0);
    if (!SELECTS && ones) { return mat4x4<f32>(one, one, one, one); }
    let base = (k * dims.lda + m0) / 4u;
    let s = dims.lda / 4u;
    return mat4x4<f32>(
      select(a[base], one, ones),
      select(a[base + s], one, ones),
      select(a[base + 2u * s], one, ones),
      select(a[base + 3u * s], one, ones),
    );
  }
  // Stored (M, lda): contiguous along k; rows past M repeat the last row (never stored).
  let last = dims.M - 1u;
  return transpose(mat4x4<f32>(
    a[(min(m0, last) * dims.lda + k) / 4u],
    a[(min(m0 + 1u, last) * dims.lda + k) / 4u],
    a[(min(m0 + 2u, last) * dims.lda + k) / 4u],
    a[(min(m0 + 3u, last) * dims.lda + k) / 4u],
  ));
}
