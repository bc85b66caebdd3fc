// matmul_vec4: register blocking with vec4 loads, shaped for adapters that run
// invocations as SIMD lanes on a CPU (llvmpipe, SwiftShader), where every per-invocation
// load is a gather and the count of loads per multiply-add decides the speed; fine on GPUs.
// An invocation computes a 20 × 8 block of out (rows m0 .. m0+19, columns n0 .. n0+7): for
// every four steps of k it loads 4 × 4 blocks of op(A) (five) and op(B) (two) as four vec4
// each, along whichever dimension is contiguous in memory, and accumulates their products
// as mat4x4 arithmetic: 28 vec4 loads per 640 multiply-adds. Rows come from workgroup_id.y
// alone, so A's loads are the same for the whole workgroup. No shared memory, no barriers.
//
//   out (M, N) = epilogue(op(A) · op(B)), with the MODE/ACT/TRANS semantics of
//   lib/matmul_common.wgsl (forward with bias row, backward input ⊙ act'(aux), backward
//   weight with the ones row); B, the epilogue and bindings 1-4 in lib/matmul_vec4_common.wgsl.
// Bindings: 0 a (read, vec4), 1 b (read, vec4), 2 aux (read, vec4), 3 out (read_write, vec4 (M, N/4)),
//   4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / (4·RB)), slices).
// Overrides: WG_X, WG_Y (must be 1), TRANS_A, TRANS_B, MODE (0-3), ACT, SELECTS, SPLIT.
// Constraints (src/gpu/matmul-plans.ts checks them and falls back to matmul_blocked otherwise):
//   K % 4 == 0 unless TRANS_A and not TRANS_B (the weight gradient: K is the batch, and
//   B's rows from K on read as zeros); lda % 4 == 0, ldb % 4 == 0; with TRANS_A, the
//   stored rows of A (M, or M − 1 in MODEs 2 and 3) % 4 == 0; N % 4 == 0; bindings
//   16-byte aligned.
// Tuning on llvmpipe (2 cores, time per dispatch at 100×784×300 and 100×300×100, all three
// roles): 20 × 8 blocks beat 8 × 8, 12 × 8 (by 10–25%), 16 × 8 and 32 × 8, and fill a batch
// of 100 exactly; earlier, 12 × 8 beat 4 × 4 (1.6×) and 8 × 4; 8-wide workgroups beat 16,
// 32 and 64. (llvmpipe turns every load in a loop into a per-lane loop; loads per
// multiply-add decide the speed.)
// #include activations
// #include matmul_vec4_common
// #include matmul_split

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;

// Blocks of 4 rows per invocation (the 8 columns are two blocks of 4). The accumulators
// are written out as separate variables, not an array indexed in a loop: SwiftShader keeps
// such arrays in memory (2× slower); llvmpipe runs both the same.
const RB = 5u;

// SELECTS: the ones row with selects instead of a branch. SwiftShader pays for branches
// (layer 2's weight gradient 1.7× faster with selects); llvmpipe for the loads a branch
// skips (30% slower with selects). src/gpu/ops/matmul.ts sets it where the tuner measured it faster.
override SELECTS: bool = false;

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

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * 8u;
  let m0 = wid.y * 4u * RB;
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  let kr = kRange(wid.z);
  let n1 = min(n0 + 4u, dims.N - 1u);
  var a0: mat4x4<f32>; var a1: mat4x4<f32>; var a2: mat4x4<f32>; var a3: mat4x4<f32>; var a4: mat4x4<f32>;
  var c0: mat4x4<f32>; var c1: mat4x4<f32>; var c2: mat4x4<f32>; var c3: mat4x4<f32>; var c4: mat4x4<f32>;
  let last = dims.M - 1u;
  for (var k = kr.x; k < kr.y; k += 4u) {
    let tb0 = tileB(k, n0);
    let tb1 = tileB(k, n1);
    let t0 = tileA(min(m0, last), k); a0 += t0 * tb0; c0 += t0 * tb1;
    let t1 = tileA(min(m0 + 4u, last), k); a1 += t1 * tb0; c1 += t1 * tb1;
    let t2 = tileA(min(m0 + 8u, last), k); a2 += t2 * tb0; c2 += t2 * tb1;
    let t3 = tileA(min(m0 + 12u, last), k); a3 += t3 * tb0; c3 += t3 * tb1;
    let t4 = tileA(min(m0 + 16u, last), k); a4 += t4 * tb0; c4 += t4 * tb1;
  }
  finishBlock(m0, n0, a0, c0);
  finishBlock(m0 + 4u, n0, a1, c1);
  finishBlock(m0 + 8u, n0, a2, c2);
  finishBlock(m0 + 12u, n0, a3, c3);
  finishBlock(m0 + 16u, n0, a4, c4);
}
