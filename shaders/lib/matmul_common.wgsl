// Operand access and epilogue shared by the matmul variants (matmul_naive, matmul_blocked,
// matmul_tiled); spliced in where a kernel says `// #include matmul_common`.
//
// Logical problem: out (M, N) = epilogue(op(A) (M, K) · op(B) (K, N)).
//   A stored row-major with row stride lda: A[m, k] = a[m·lda + k], or with TRANS_A
//   a[k·lda + m]. With MODEs 2 and 3 (weight gradient) op(A) has one extra last row of ones
//   (m = M − 1), which turns the column sums of B into the bias gradient.
//   B likewise with ldb and TRANS_B. In MODE 0 the bias is row K of B's storage: b[K·ldb + n].
// MODE 0  forward:         out = act(A·B + bias)               (ACT = this layer's activation)
// MODE 1  backward input:  out = (A·B) ⊙ act'(aux)              (aux (M, N): previous layer's output)
// MODE 2  backward weight: out = [Aᵀ; 1]·B, no epilogue
// MODE 3  backward weight and SGD step: out holds the layer's block [W; b] and becomes
//         out − lr·(g + l2·out) with g = [Aᵀ; 1]·B, l2 on W only (not the last row, b);
//         aux holds the optimiser (lib/optimizer.wgsl): lr = aux[0], l2 = aux[1].
// SPLIT   split-K: workgroup z sums only k in [z·kSlice, min(K, (z + 1)·kSlice)) and writes
//         that partial product, without the epilogue, to out at z·pstride (out is then the
//         partial-sum buffer); splitk_reduce.wgsl adds the slices and applies the epilogue.
//         kSlice is a multiple of 16 (every variant's step of k). Dispatch z = the slices.
//         SPLIT, outBase and kRange live in lib/matmul_split.wgsl (kernels include both).
struct Dims {
  M: u32, N: u32, K: u32, lda: u32,
  ldb: u32, kSlice: u32, pstride: u32, _pad0: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override MODE: u32 = 0u;
override ACT: u32 = 0u;

// Caller guarantees m < M and k < K.
fn loadA(m: u32, k: u32) -> f32 {
  if (MODE >= 2u && m == dims.M - 1u) { return 1.0; }
  if (TRANS_A) { return a[k * dims.lda + m]; }
  return a[m * dims.lda + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (TRANS_B) { return b[n * dims.ldb + k]; }
  return b[k * dims.ldb + n];
}

// One parameter's SGD step (MODE 3): w − lr·(g + l2·w), without decay for biases.
fn sgdStep(w: f32, g: f32, bias: bool) -> f32 {
  return w - aux[0] * (g + select(aux[1] * w, 0.0, bias));
}

// Caller guarantees m < M and n < N.
fn finish(m: u32, n: u32, acc: f32) {
  if (SPLIT) {
    out[outBase + m * dims.N + n] = acc;
    return;
  }
  var v = acc;
  if (MODE == 0u) { v = activate(acc + b[dims.K * dims.ldb + n], ACT); }
  if (MODE == 1u) { v = acc * activationGrad(aux[m * dims.N + n], ACT); }
  if (MODE == 3u) { v = sgdStep(out[m * dims.N + n], acc, m == dims.M - 1u); }
  out[m * dims.N + n] = v;
}
