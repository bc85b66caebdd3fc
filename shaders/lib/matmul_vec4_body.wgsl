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
  // Columns n0 + 8 .. n0 + 31 (NB > 1, lib/matmul_vec4_lanes.wgsl): groups d, e, f, g, h, q of 4.
  var d0: mat4x4<f32>; var d1: mat4x4<f32>; var d2: mat4x4<f32>; var d3: mat4x4<f32>; var d4: mat4x4<f32>;
  var e0: mat4x4<f32>; var e1: mat4x4<f32>; var e2: mat4x4<f32>; var e3: mat4x4<f32>; var e4: mat4x4<f32>;
  var f0: mat4x4<f32>; var f1: mat4x4<f32>; var f2: mat4x4<f32>; var f3: mat4x4<f32>; var f4: mat4x4<f32>;
  var g0: mat4x4<f32>; var g1: mat4x4<f32>; var g2: mat4x4<f32>; var g3: mat4x4<f32>; var g4: mat4x4<f32>;
  var h0: mat4x4<f32>; var h1: mat4x4<f32>; var h2: mat4x4<f32>; var h3: mat4x4<f32>; var h4: mat4x4<f32>;
  var q0: mat4x4<f32>; var q1: mat4x4<f32>; var q2: mat4x4<f32>; var q3: mat4x4<f32>; var q4: mat4x4<f32>;
  // The B tiles' first columns, clamped into B like n1 (columns past N are never stored).
  let n2 = min(n0 + 8u, dims.N - 1u); let n3 = min(n0 + 12u, dims.N - 1u);
  let n4 = min(n0 + 16u, dims.N - 1u); let n5 = min(n0 + 20u, dims.N - 1u);
  let n6 = min(n0 + 24u, dims.N - 1u); let n7 = min(n0 + 28u, dims.N - 1u);
  let last = dims.M - 1u;
  for (var k = kr.x; k < kr.y; k += 4u) {
    let tb0 = tileB(k, n0);
    let tb1 = tileB(k, n1);
    let t0 = tileA(min(m0, last), k); a0 += t0 * tb0; c0 += t0 * tb1;
    let t1 = tileA(min(m0 + 4u, last), k); a1 += t1 * tb0; c1 += t1 * tb1;
    let t2 = tileA(min(m0 + 8u, last), k); a2 += t2 * tb0; c2 += t2 * tb1;
    let t3 = tileA(min(m0 + 12u, last), k); a3 += t3 * tb0; c3 += t3 * tb1;
    let t4 = tileA(min(m0 + 16u, last), k); a4 += t4 * tb0; c4 += t4 * tb1;
    if (NB > 1u) {
      let u0 = tileB(k, n2); let u1 = tileB(k, n3);
      d0 += t0 * u0; e0 += t0 * u1;
      d1 += t1 * u0; e1 += t1 * u1;
      d2 += t2 * u0; e2 += t2 * u1;
      d3 += t3 * u0; e3 += t3 * u1;
      d4 += t4 * u0; e4 += t4 * u1;
    }
    if (NB > 2u) {
      let u0 = tileB(k, n4); let u1 = tileB(k, n5);
      f0 += t0 * u0; g0 += t0 * u1;
      f1 += t1 * u0; g1 += t1 * u1;
      f2 += t2 * u0; g2 += t2 * u1;
      f3 += t3 * u0; g3 += t3 * u1;
      f4 += t4 * u0; g4 += t4 * u1;
    }
    if (NB > 3u) {
      let u0 = tileB(k, n6); let u1 = tileB(k, n7);
      h0 += t0 * u0; q0 += t0 * u1;
      h1 += t1 * u0; q1 += t1 * u1;
      h2 += t2 * u0; q2 += t2 * u1;
      h3 += t3 * u0; q3 += t3 * u1;
      h4 += t4 * u0; q4 += t4 * u1;
    }
  }
  finishBlock(m0, n0, a0, c0);
  finishBlock(m0 + 4u, n0, a1, c1);
  finishBlock(m0 + 8u, n0, a2, c2);
  finishBlock(m0 + 12u, n0, a3, c3);
  finishBlock(m0 + 16u, n0, a4, c4);
  if (NB > 1u && n0 + 8u < dims.N) {
    finishBlock(m0, n0 + 8u, d0, e0); finishBlock(m0 + 4u, n0 + 8u, d1, e1); finishBlock(m0 + 8u, n0 + 8u, d2, e2);
    finishBlock(m0 + 12u, n0 + 8u, d3, e3); finishBlock(m0 + 16u, n0 + 8u, d4, e4);
  }
  if (NB > 2u && n0 + 16u < dims.N) {
    finishBlock(m0, n0 + 16u, f0, g0); finishBlock(m0 + 4u, n0 + 16u, f1, g1); finishBlock(m0 + 8u, n0 + 16u, f2, g2);
    finishBlock(m0 + 12u, n0 + 16u, f3, g3); finishBlock(m0 + 16u, n0 + 16u, f4, g4);
  }
  if (NB > 3u && n0 + 24u < dims.N) {
    finishBlock(m0, n0 + 24u, h0, q0); finishBlock(m0 + 4u, n0 + 24u, h1, q1); finishBlock(m0 + 8u, n0 + 24u, h2, q2);
    finishBlock(m0 + 12u, n0 + 24u, h3, q3); finishBlock(m0 + 16u, n0 + 24u, h4, q4);
  }
}
