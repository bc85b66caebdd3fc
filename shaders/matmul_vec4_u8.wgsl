// matmul_vec4_u8: matmul_vec4 for an A stored as bytes, four to a u32 word (little-endian),
// each read as byte / 255 (unpack4x8unorm). The trainer keeps gathered image batches this
// way, so layer 1 reads its input, in the forward pass and for the weight gradient, with
// one 16-byte load per 16 values instead of four, and a quarter of the memory traffic.
// An invocation computes a 16 × 8 block of out (rows m0 .. m0+15, columns n0 .. n0+7):
//   without TRANS_A (forward), per 16 steps of k: one vec4<u32> per row (16 values of
//     A[m, k .. k+15]) and 4 × 2 tiles of op(B): 48 loads per 2048 multiply-adds;
//   with TRANS_A (weight gradient), per 4 steps of k: one vec4<u32> per k (16 values of
//     A[m0 .. m0+15, k]) and 2 tiles of op(B): 12 loads per 512 multiply-adds;
// against matmul_vec4's 20 loads per 384. Rows come from workgroup_id.y alone.
//
//   out (M, N) = epilogue(op(A) · op(B)), with the MODE/ACT/TRANS semantics of
//   lib/matmul_common.wgsl; B, the epilogue and bindings 1-4 in lib/matmul_vec4_common.wgsl.
//   lda counts bytes.
// Bindings: 0 a (read, vec4<u32> of 16 bytes), 1 b (read, vec4), 2 aux (read, vec4),
//   3 out (read_write, vec4 (M, N/4)), 4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / 16), 1).
// Overrides: WG_X, WG_Y (must be 1), TRANS_A, TRANS_B, MODE (0-3), ACT.
// Constraints (src/gpu/ops.ts checks them: byteInputFits): lda % 16 == 0; without TRANS_A
//   K % 16 == 0; with TRANS_A any K (rows from K on read as zeros) and the stored rows of A (M, or M − 1 in MODEs 2, 3)
//   % 16 == 0; ldb % 4 == 0; N % 4 == 0; bindings 16-byte aligned.
// #include activations
// #include matmul_vec4_common

@group(0) @binding(0) var<storage, read> a: array<vec4<u32>>;

// Blocks of 4 rows per invocation (the 8 columns are two blocks of 4): 32 rows with
// TRANS_A (two 16-byte words of A per k), 20 without (a batch of 100 in 5 blocks).
const RB_T = 8u;
const RB_N = 5u;
const H = RB_T / 4u; // 16-byte words per k with TRANS_A

// op(A)[m0 + 4r .. m0 + 4r + 3, k + kk] as column kk, from four words w[kk] that each hold
// those four rows.
fn columns(w0: u32, w1: u32, w2: u32, w3: u32) -> mat4x4<f32> {
  return mat4x4<f32>(unpack4x8unorm(w0), unpack4x8unorm(w1), unpack4x8unorm(w2), unpack4x8unorm(w3));
}

// With TRANS_A (weight gradient). Stored (K, lda): A[m, k] = byte k·lda + m; word vector
// (k·lda + m) / 16 holds rows m .. m+15 of column k. The ones row of MODEs 2 and 3 (M − 1,
// a multiple of 16) starts a 16-row group read as bytes 0xff, which unpack to 1.0.
fn blockTransA(m0: u32, n0: u32, n1: u32) {
  var acc0: array<mat4x4<f32>, RB_T>;
  var acc1: array<mat4x4<f32>, RB_T>;
  var ones: array<bool, H>;
  for (var h = 0u; h < H; h++) { ones[h] = MODE >= 2u && m0 + 16u * h == dims.M - 1u; }
  let s = dims.lda / 16u;
  for (var k = 0u; k < dims.K; k += 4u) {
    let tb0 = tileB(k, n0);
    let tb1 = tileB(k, n1);
    let base = (k * dims.lda + m0) / 16u;
    // q[kk·H + h]: rows m0 + 16h .. m0 + 16h + 15 of column k + kk.
    var q: array<vec4<u32>, 4u * H>;
    for (var kk = 0u; kk < 4u; kk++) {
      // Rows of op(A) are bytes 0xff (1.0) in the ones group, zero from K on.
      for (var h = 0u; h < H; h++) {
        q[kk * H + h] = select(select(a[base + kk * s + h], vec4(0xffffffffu), ones[h]), vec4(0u), k + kk >= dims.K);
      }
    }
    for (var r = 0u; r < RB_T; r++) {
      let h = r / 4u;
      let w = r % 4u;
      let ta = columns(q[h][w], q[H + h][w], q[2u * H + h][w], q[3u * H + h][w]);
      acc0[r] += ta * tb0;
      acc1[r] += ta * tb1;
    }
  }
  for (var r = 0u; r < RB_T; r++) { finishBlock(m0 + 4u * r, n0, acc0[r], acc1[r]); }
}

// Without TRANS_A (forward). Stored (M, lda): row m's bytes k .. k+15 are word vector
// (m·lda + k) / 16; rows past M repeat the last row (never stored).
fn blockA(m0: u32, n0: u32, n1: u32) {
  var acc0: array<mat4x4<f32>, RB_N>;
  var acc1: array<mat4x4<f32>, RB_N>;
  let last = dims.M - 1u;
  for (var k = 0u; k < dims.K; k += 16u) {
    var rows: array<vec4<u32>, 4u * RB_N>;
    for (var i = 0u; i < 4u * RB_N; i++) { rows[i] = a[(min(m0 + i, last) * dims.lda + k) / 16u]; }
    for (var kk = 0u; kk < 4u; kk++) {
      let tb0 = tileB(k + 4u * kk, n0);
      let tb1 = tileB(k + 4u * kk, n1);
      for (var r = 0u; r < RB_N; r++) {
        // Rows of the tile are the words kk of rows m0 + 4r .. m0 + 4r + 3.
        let ta = transpose(columns(rows[4u * r][kk], rows[4u * r + 1u][kk], rows[4u * r + 2u][kk], rows[4u * r + 3u][kk]));
        acc0[r] += ta * tb0;
        acc1[r] += ta * tb1;
      }
    }
  }
  for (var r = 0u; r < RB_N; r++) { finishBlock(m0 + 4u * r, n0, acc0[r], acc1[r]); }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * 8u;
  let m0 = wid.y * 4u * select(RB_N, RB_T, TRANS_A);
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  let n1 = min(n0 + 4u, dims.N - 1u);
  if (TRANS_A) { blockTransA(m0, n0, n1); } else { blockA(m0, n0, n1); }
}
