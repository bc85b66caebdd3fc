// The body of matmul_vec4, matmul_vec4_edge and conv_gemm: the main loop over k, each
// invocation a 20 × 8 block of out (see matmul_vec4.wgsl's header). Spliced in where a kernel
// says `// #include matmul_vec4_body`, after the includes that declare dims, bindings 1-4, the
// overrides, tileB and finishBlock (lib/matmul_vec4_common.wgsl for vec4 B and out,
// lib/matmul_vec4_edge_common.wgsl for float B and out of any width), lib/matmul_split.wgsl,
// lib/matmul_vec4_lanes.wgsl (which block and slice each invocation takes), and binding 0 with tileA(m0, k) (lib/matmul_vec4_tile_a.wgsl, or conv_gemm.wgsl's own).

// Blocks of 4 rows per invocation (the 8 columns are two blocks of 4). The accumulators
// are written out as separate variables, not an array indexed in a loop: SwiftShader keeps
// such arrays in memory (2× slower); llvmpipe runs both the same.
const RB = 5u;

// SELECTS: the ones row with selects instead of a branch. SwiftShader pays for branches
// (layer 2's weight gradient 1.7× faster with selects); llvmpipe for the loads a branch
// skips (30% slower with selects). src/gpu/ops/matmul.ts sets it where the tuner measured it faster.
override SELECTS: bool = false;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let block = blockOf(wid, lid);
  let n0 = block.x;
  let m0 = block.y;
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  let kr = kRange(block.z);
  let n1 = min(n0 + 4u, dims.N - 1u);
  var a0: mat4x4<f32>; var a1: mat4x4<f32>; var a2: mat4x4<f32>; var a3: mat4x4<f32>; var a4: mat4x4<f32>;
  var c0: mat4x4<f32>; var c1: mat4x4<f32>; var c2: mat4x4<f32>; var c3: mat4x4<f32>; var c4: mat4x4<f32>;
  // Columns n0 + 8 .. n0 + 31 (NB > 1, lib/matmul_vec4_lanes.wgsl): three more blocks of 8.
  var g1: Cols8; var g2: Cols8; var g3: Cols8;
  let last = dims.M - 1u;
  for (var k = kr.x; k < kr.y; k += 4u) {
    let tb0 = tileB(k, n0);
    let tb1 = tileB(k, n1);
    let t0 = tileA(min(m0, last), k); a0 += t0 * tb0; c0 += t0 * tb1;
    let t1 = tileA(min(m0 + 4u, last), k); a1 += t1 * tb0; c1 += t1 * tb1;
    let t2 = tileA(min(m0 + 8u, last), k); a2 += t2 * tb0; c2 += t2 * tb1;
    let t3 = tileA(min(m0 + 12u, last), k); a3 += t3 * tb0; c3 += t3 * tb1;
    let t4 = tileA(min(m0 + 16u, last), k); a4 += t4 * tb0; c4 += t4 * tb1;
    if (NB > 1u) { addCols8(&g1, k, n0 + 8u, t0, t1, t2, t3, t4); }
    if (NB > 2u) { addCols8(&g2, k, n0 + 16u, t0, t1, t2, t3, t4); }
    if (NB > 3u) { addCols8(&g3, k, n0 + 24u, t0, t1, t2, t3, t4); }
  }
  finishBlock(m0, n0, a0, c0);
  finishBlock(m0 + 4u, n0, a1, c1);
  finishBlock(m0 + 8u, n0, a2, c2);
  finishBlock(m0 + 12u, n0, a3, c3);
  finishBlock(m0 + 16u, n0, a4, c4);
  if (NB > 1u) { finishCols8(m0, n0 + 8u, g1); }
  if (NB > 2u) { finishCols8(m0, n0 + 16u, g2); }
  if (NB > 3u) { finishCols8(m0, n0 + 24u, g3); }
}
