// matmul_vec4_u8: matmul_vec4 for an A stored as bytes, four to a u32 word (little-endian),
// each read as byte / 255 (unpack4x8unorm). The trainer keeps gathered image batches this
// way, so layer 1 reads its input, in the forward pass and for the weight gradient, with
// one 16-byte load per 16 values instead of four, and a quarter of the memory traffic.
// An invocation computes a block of 8 columns (n0 .. n0+7) and
//   without TRANS_A (forward), 20 rows: per 16 steps of k, one vec4<u32> per row (16 values
//     of A[m, k .. k+15]) and 4 × 2 tiles of op(B): 52 loads per 2560 multiply-adds;
//   with TRANS_A (weight gradient), 32 rows: per 4 steps of k, two vec4<u32> per k (32
//     values of A[m0 .. m0+31, k]) and 2 tiles of op(B): 16 loads per 1024 multiply-adds;
// against matmul_vec4's 28 loads per 640. Rows come from workgroup_id.y alone.
//
//   out (M, N) = epilogue(op(A) · op(B)), with the MODE/ACT/TRANS semantics of
//   lib/matmul_common.wgsl; B, the epilogue and bindings 1-4 in lib/matmul_vec4_common.wgsl.
//   lda counts bytes.
// Bindings: 0 a (read, vec4<u32> of 16 bytes), 1 b (read, vec4), 2 aux (read, vec4),
//   3 out (read_write, vec4 (M, N/4)), 4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / 20), slices), or ceil(M / 32) rows with TRANS_A.
// Overrides: WG_X, WG_Y (must be 1), TRANS_A, TRANS_B, MODE (0-3), ACT, SPLIT.
// Constraints (src/gpu/matmul-plans.ts checks them: byteInputFits): lda % 16 == 0; without TRANS_A
//   K % 16 == 0; with TRANS_A (and not TRANS_B) any K, B's rows from K on reading as zeros, and
//   the stored rows of A (M, or M − 1 in MODEs 2, 3) % 16 == 0; ldb % 4 == 0; N % 4 == 0;
//   bindings 16-byte aligned.
// #include activations
// #include matmul_vec4_common
// #include matmul_vec4_b
// #include matmul_split

@group(0) @binding(0) var<storage, read> a: array<vec4<u32>>;

// Blocks of 4 rows per invocation (the 8 columns are two blocks of 4): 32 rows with
// TRANS_A (two 16-byte words of A per k), 20 without (a batch of 100 in 5 blocks). The
// accumulators are written out as separate variables, not arrays indexed in loops:
// SwiftShader keeps such arrays in memory (2.5× slower here); llvmpipe gains 0–20%.
const RB_N = 5u;

// op(A)[m0 + 4r .. m0 + 4r + 3, k + kk] as column kk, from four words w[kk] that each hold
// those four rows.
fn columns(w0: u32, w1: u32, w2: u32, w3: u32) -> mat4x4<f32> {
  return mat4x4<f32>(unpack4x8unorm(w0), unpack4x8unorm(w1), unpack4x8unorm(w2), unpack4x8unorm(w3));
}

// With TRANS_A (weight gradient). Stored (K, lda): A[m, k] = byte k·lda + m; word vector
// (k·lda + m) / 16 holds rows m .. m+15 of column k. The ones row of MODEs 2 and 3 (M − 1,
// a multiple of 16) starts a 16-row group read as bytes 0xff, which unpack to 1.0.
fn blockTransA(m0: u32, n0: u32, n1: u32, kr: vec2<u32>) {
  var a0: mat4x4<f32>; var a1: mat4x4<f32>; var a2: mat4x4<f32>; var a3: mat4x4<f32>;
  var a4: mat4x4<f32>; var a5: mat4x4<f32>; var a6: mat4x4<f32>; var a7: mat4x4<f32>;
  var c0: mat4x4<f32>; var c1: mat4x4<f32>; var c2: mat4x4<f32>; var c3: mat4x4<f32>;
  var c4: mat4x4<f32>; var c5: mat4x4<f32>; var c6: mat4x4<f32>; var c7: mat4x4<f32>;
  let ones0 = MODE >= 2u && m0 == dims.M - 1u;
  let ones1 = MODE >= 2u && m0 + 16u == dims.M - 1u;
  let s = dims.lda / 16u;
  for (var k = kr.x; k < kr.y; k += 4u) {
    let tb0 = tileB(k, n0);
    let tb1 = tileB(k, n1);
    let base = (k * dims.lda + m0) / 16u;
    // p[kk], q[kk]: rows m0 .. m0+15 and m0+16 .. m0+31 of column k + kk; bytes 0xff (1.0)
    // in the ones group. Columns from K on are whatever bytes the binding holds there,
    // which tileB's zero rows cancel.
    var p: array<vec4<u32>, 4>;
    var q: array<vec4<u32>, 4>;
    for (var kk = 0u; kk < 4u; kk++) {
      p[kk] = select(a[base + kk * s], vec4(0xffffffffu), ones0);
      q[kk] = select(a[base + kk * s + 1u], vec4(0xffffffffu), ones1);
    }
    let t0 = columns(p[0].x, p[1].x, p[2].x, p[3].x); a0 += t0 * tb0; c0 += t0 * tb1;
    let t1 = columns(p[0].y, p[1].y, p[2].y, p[3].y); a1 += t1 * tb0; c1 += t1 * tb1;
    let t2 = columns(p[0].z, p[1].z, p[2].z, p[3].z); a2 += t2 * tb0; c2 += t2 * tb1;
    let t3 = columns(p[0].w, p[1].w, p[2].w, p[3].w); a3 += t3 * tb0; c3 += t3 * tb1;
    let t4 = columns(q[0].x, q[1].x, q[2].x, q[3].x); a4 += t4 * tb0; c4 += t4 * tb1;
    let t5 = columns(q[0].y, q[1].y, q[2].y, q[3].y); a5 += t5 * tb0; c5 += t5 * tb1;
    let t6 = columns(q[0].z, q[1].z, q[2].z, q[3].z); a6 += t6 * tb0; c6 += t6 * tb1;
    let t7 = columns(q[0].w, q[1].w, q[2].w, q[3].w); a7 += t7 * tb0; c7 += t7 * tb1;
  }
  finishBlock(m0, n0, a0, c0);
  finishBlock(m0 + 4u, n0, a1, c1);
  finishBlock(m0 + 8u, n0, a2, c2);
  finishBlock(m0 + 12u, n0, a3, c3);
  finishBlock(m0 + 16u, n0, a4, c4);
  finishBlock(m0 + 20u, n0, a5, c5);
  finishBlock(m0 + 24u, n0, a6, c6);
  finishBlock(m0 + 28u, n0, a7, c7);
}

// Without TRANS_A (forward). Stored (M, lda): row m's bytes k .. k+15 are word vector
// (m·lda + k) / 16; rows past M repeat the last row (never stored).
fn blockA(m0: u32, n0: u32, n1: u32, kr: vec2<u32>) {
  var a0: mat4x4<f32>; var a1: mat4x4<f32>; var a2: mat4x4<f32>; var a3: mat4x4<f32>; var a4: mat4x4<f32>;
  var c0: mat4x4<f32>; var c1: mat4x4<f32>; var c2: mat4x4<f32>; var c3: mat4x4<f32>; var c4: mat4x4<f32>;
  let last = dims.M - 1u;
  for (var k = kr.x; k < kr.y; k += 16u) {
    var rows: array<vec4<u32>, 4u * RB_N>;
    for (var i = 0u; i < 4u * RB_N; i++) { rows[i] = a[(min(m0 + i, last) * dims.lda + k) / 16u]; }
    for (var kk = 0u; kk < 4u; kk++) {
      let tb0 = tileB(k + 4u * kk, n0);
      let tb1 = tileB(k + 4u * kk, n1);
      let t0 = transpose(columns(rows[0][kk], rows[1][kk], rows[2][kk], rows[3][kk])); a0 += t0 * tb0; c0 += t0 * tb1;
      let t1 = transpose(columns(rows[4][kk], rows[5][kk], rows[6][kk], rows[7][kk])); a1 += t1 * tb0; c1 += t1 * tb1;
      let t2 = transpose(columns(rows[8][kk], rows[9][kk], rows[10][kk], rows[11][kk])); a2 += t2 * tb0; c2 += t2 * tb1;
      let t3 = transpose(columns(rows[12][kk], rows[13][kk], rows[14][kk], rows[15][kk])); a3 += t3 * tb0; c3 += t3 * tb1;
      let t4 = transpose(columns(rows[16][kk], rows[17][kk], rows[18][kk], rows[19][kk])); a4 += t4 * tb0; c4 += t4 * tb1;
    }
  }
  finishBlock(m0, n0, a0, c0);
  finishBlock(m0 + 4u, n0, a1, c1);
  finishBlock(m0 + 8u, n0, a2, c2);
  finishBlock(m0 + 12u, n0, a3, c3);
  finishBlock(m0 + 16u, n0, a4, c4);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * 8u;
  let m0 = wid.y * select(20u, 32u, TRANS_A);
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  let kr = kRange(wid.z);
  let n1 = min(n0 + 4u, dims.N - 1u);
  if (TRANS_A) { blockTransA(m0, n0, n1, kr); } else { blockA(m0, n0, n1, kr); }
}
