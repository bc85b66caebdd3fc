// What matmul_vec4_edge has in place of lib/matmul_vec4_common.wgsl: dims, bindings 1-4
// as floats, B's 4 × 4 tiles from float loads and an epilogue of single floats, so that
// N and ldb need not be multiples of 4 (a convolution's 6 output channels). Spliced in where
// a kernel says `// #include matmul_vec4_edge_common` (after `// #include activations`).
//
// The forward pass (not TRANS_A) and the weight gradient (TRANS_A), never TRANS_B; MODE
// semantics as in lib/matmul_common.wgsl: MODE 0 out = act(A·B + the bias row K of B),
// MODE 2 out = [Aᵀ; 1]·B, MODE 3 that gradient applied as an SGD step to out. SPLIT as in
// lib/matmul_split.wgsl.
struct Dims {
  M: u32, N: u32, K: u32, lda: u32,
  ldb: u32, kSlice: u32, pstride: u32, _pad0: u32,
}

@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override TRANS_A: bool = true; // true with MODE 2 or 3, false with MODE 0
override TRANS_B: bool = false; // must be false
override MODE: u32 = 2u; // 0, 2 or 3
override ACT: u32 = 0u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 1u; // must be 1: rows come from workgroup_id.y

// B[k, n0 .. n0+3] as four float loads, columns past N clamped to the last (their sums
// are never stored); rows from K on read as zeros (see lib/matmul_vec4_common.wgsl).
fn rowB(k: u32, n0: u32) -> vec4<f32> {
  let last = dims.N - 1u;
  let base = min(k, dims.K - 1u) * dims.ldb;
  let r = vec4(b[base + min(n0, last)], b[base + min(n0 + 1u, last)], b[base + min(n0 + 2u, last)], b[base + min(n0 + 3u, last)]);
  return select(vec4(0.0), r, k < dims.K);
}

// Columns j of the result are B[k .. k+3, n0 + j].
fn tileB(k: u32, n0: u32) -> mat4x4<f32> {
  return transpose(mat4x4<f32>(rowB(k, n0), rowB(k + 1u, n0), rowB(k + 2u, n0), rowB(k + 3u, n0)));
}

// The epilogue of out[m, n] (m < M, n < N), as lib/matmul_common.wgsl's finish in MODEs 0, 2 and 3.
fn finish1(m: u32, n: u32, acc: f32) {
  let i = m * dims.N + n;
  if (SPLIT) {
    out[outBase + i] = acc;
    return;
  }
  var v = acc;
  if (MODE == 0u) { v = activate(acc + b[dims.K * dims.ldb + n], ACT); }
  if (MODE == 3u) {
    // SGD step on the parameter block in out: lr = aux[0], l2 = aux[1], no decay for the bias row.
    let w = out[i];
    v = w - aux[0] * (acc + select(aux[1] * w, 0.0, m == dims.M - 1u));
  }
  out[i] = v;
}

// Writes out[m0 .. m0+3, n0 .. n0+7] from two 4 × 4 accumulators (element [j][i] is row
// m0 + i, column n0 + j or n0 + 4 + j), skipping what lies past M or N. The forward pass
// (MODE 0, unsplit) adds the bias and activates four columns at a time, its bias loaded once
// per block: LeNet-5's first convolution's forward (78,400 × 28 · 28 × 6) 3.7-4.9 → 3.4-4.4 ms
// on llvmpipe (three alternating processes, best of 6) against finish1 per element.
fn finishBlock(m0: u32, n0: u32, acc0: mat4x4<f32>, acc1: mat4x4<f32>) {
  let rows0 = transpose(acc0);
  let rows1 = transpose(acc1);
  if (MODE == 0u && !SPLIT) {
    let bias = dims.K * dims.ldb;
    let last = dims.N - 1u;
    let b0 = vec4(b[bias + min(n0, last)], b[bias + min(n0 + 1u, last)], b[bias + min(n0 + 2u, last)], b[bias + min(n0 + 3u, last)]);
    let b1 = vec4(b[bias + min(n0 + 4u, last)], b[bias + min(n0 + 5u, last)], b[bias + min(n0 + 6u, last)], b[bias + min(n0 + 7u, last)]);
    for (var i = 0u; i < 4u; i++) {
      if (m0 + i >= dims.M) { break; }
      let v0 = activate4(rows0[i] + b0, ACT);
      let v1 = activate4(rows1[i] + b1, ACT);
      let at = (m0 + i) * dims.N + n0;
      for (var j = 0u; j < 4u; j++) {
        if (n0 + j < dims.N) { out[at + j] = v0[j]; }
        if (n0 + 4u + j < dims.N) { out[at + 4u + j] = v1[j]; }
      }
    }
    return;
  }
  for (var i = 0u; i < 4u; i++) {
    if (m0 + i >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n0 + j < dims.N) { finish1(m0 + i, n0 + j, rows0[i][j]); }
      if (n0 + 4u + j < dims.N) { finish1(m0 + i, n0 + 4u + j, rows1[i][j]); }
    }
  }
}
