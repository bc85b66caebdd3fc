// The body of matmul_vec4 and matmul_vec4_edge: binding 0 (A, vec4), op(A)'s 4 × 4 tiles and
// the main loop over k, each invocation a 20 × 8 block of out (see matmul_vec4.wgsl's header).
// Spliced in where a kernel says `// #include matmul_vec4_body`, after the include that
// declares dims, bindings 1-4, the overrides, tileB and finishBlock
// (lib/matmul_vec4_common.wgsl for vec4 B and out, lib/matmul_vec4_edge_common.wgsl for
// float B and out of any width) and lib/matmul_split.wgsl.

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;

// Blocks of 4 rows per invocation (the 8 columns are two blocks of 4). The accumulators
// are written out as separate variables, not an array indexed in a loop: SwiftShader keeps
// such arrays in memory (2× slower); llvmpipe runs both the same.
const RB = 5u;

// ROWS_IN_LANES: the invocations of a workgroup take consecutive 20-row blocks of one 8-column
// block (rows from workgroup_id.y · WG_X + local id, columns from workgroup_id.x alone), so
// B's loads are the workgroup's in common instead of A's. For narrow outputs (N ≤ 32: a
// convolution's forward over 16-32 channels) where WG_X columns of 8 would leave half or more
// of the workgroup's lanes past N. src/gpu/matmul-plans.ts (vec4Kernel) decides.
override ROWS_IN_LANES: bool = false;

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
  let n0 = select(wid.x * WG_X + lid.x, wid.x, ROWS_IN_LANES) * 8u;
  let m0 = select(wid.y, wid.y * WG_X + lid.x, ROWS_IN_LANES) * 4u * RB;
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
