// What matmul_vec4 and matmul_vec4_u8 share: dims, the bindings other than A, the B tile
// loads and the epilogue; spliced in where a kernel says `// #include matmul_vec4_common`
// (after `// #include activations`). Each kernel declares binding 0 (A) itself, and binding 1
// (B) with its loadB(i) (the vec4 at i) by including lib/matmul_vec4_b.wgsl (a storage buffer)
// or lib/matmul_vec4_b_uniform.wgsl (a uniform buffer: conv_gemm_ub).
//
// Logical problem and MODE semantics as in lib/matmul_common.wgsl:
//   out (M, N) = epilogue(op(A) (M, K) · op(B) (K, N)); MODE 0 forward with the bias in
//   row K of B's storage, MODE 1 backward input ⊙ act'(aux), MODE 2 backward weight with
//   a last row of ones in op(A), MODE 3 that gradient applied as an SGD step to out.
// The epilogue works on four columns at a time: N % 4 == 0. aux and out are vec4 arrays.
// SPLIT (split-K, lib/matmul_split.wgsl, which kernels include beside this): slice z of k,
// the raw sums to out at z·pstride (a multiple of 4), no epilogue.
struct Dims {
  M: u32, N: u32, K: u32, lda: u32,
  ldb: u32, kSlice: u32, pstride: u32, _pad0: u32,
}

@group(0) @binding(2) var<storage, read> aux: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> dims: Dims;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override MODE: u32 = 0u;
override ACT: u32 = 0u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 1u; // must be 1: rows come from workgroup_id.y

// Columns j of the result are op(B)[k .. k+3, n0 + j].
fn tileB(k: u32, n0: u32) -> mat4x4<f32> {
  if (TRANS_B) {
    // Stored (N, ldb): B[k, n] = b[n·ldb + k], contiguous along k.
    let last = dims.N - 1u;
    return mat4x4<f32>(
      loadB((min(n0, last) * dims.ldb + k) / 4u),
      loadB((min(n0 + 1u, last) * dims.ldb + k) / 4u),
      loadB((min(n0 + 2u, last) * dims.ldb + k) / 4u),
      loadB((min(n0 + 3u, last) * dims.ldb + k) / 4u),
    );
  }
  // Stored (K, ldb): contiguous along n. With TRANS_A, K need not be a multiple of 4: rows
  // from K on read as zeros, so the last step of k adds nothing past K whatever op(A)
  // holds there (finite: in-bounds data, or zeros from robust access).
  let base = (k * dims.ldb + n0) / 4u;
  let s = dims.ldb / 4u;
  return transpose(mat4x4<f32>(rowB(base, k), rowB(base + s, k + 1u), rowB(base + 2u * s, k + 2u), rowB(base + 3u * s, k + 3u)));
}

fn rowB(i: u32, k: u32) -> vec4<f32> {
  if (TRANS_A) { return select(vec4(0.0), loadB(i), k < dims.K); }
  return loadB(i);
}

// The epilogue of four adjacent outputs out[m, n .. n+3] (n a multiple of 4; N is too), as
// one vec4 load and store: acc holds their sums; c is what finishBlock loaded for it (MODE
// 0: the bias of columns n .. n+3; MODE 3: the optimiser's first words, (lr, l2, …)).
fn finish4(m: u32, n: u32, acc: vec4<f32>, c: vec4<f32>) {
  let i = (m * dims.N + n) / 4u;
  if (SPLIT) {
    out[outBase / 4u + i] = acc;
    return;
  }
  var v = acc;
  if (MODE == 0u) { v = activate4(acc + c, ACT); }
  if (MODE == 1u) { v = acc * activationGrad4(aux[i], ACT); }
  if (MODE == 3u) {
    // SGD step on the parameter block in out.
    let w = out[i];
    v = w - c.x * (acc + select(c.y * w, vec4(0.0), m == dims.M - 1u));
  }
  out[i] = v;
}

// Writes out[m0 .. m0+3, n0 .. n0+7] from two 4 × 4 accumulators (element [j][i] is row
// m0 + i, column n0 + j or n0 + 4 + j), skipping what lies past M or N. The bias (MODE 0)
// or the optimiser (MODE 3) is loaded once for the block, not once a row.
fn finishBlock(m0: u32, n0: u32, acc0: mat4x4<f32>, acc1: mat4x4<f32>) {
  let rows0 = transpose(acc0);
  let rows1 = transpose(acc1);
  var c0 = vec4(0.0);
  var c1 = vec4(0.0);
  if (MODE == 0u) {
    let bias = dims.K * dims.ldb / 4u;
    c0 = loadB(bias + n0 / 4u);
    c1 = loadB(bias + min(n0 + 4u, dims.N - 4u) / 4u);
  }
  if (MODE == 3u) {
    c0 = aux[0];
    c1 = c0;
  }
  for (var i = 0u; i < 4u; i++) {
    if (m0 + i < dims.M) {
      finish4(m0 + i, n0, rows0[i], c0);
      if (n0 + 4u < dims.N) { finish4(m0 + i, n0 + 4u, rows1[i], c1); }
    }
  }
}
