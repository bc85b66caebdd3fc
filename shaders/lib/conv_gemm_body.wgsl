// The body of conv_gemm and conv_gemm_ub (see conv_gemm.wgsl's header): binding 0 (the
// tensor whose im2col matrix is read in place), the gathers of its tiles and the main loop.
// Spliced in where a kernel says `// #include conv_gemm_body`, after the includes that declare
// dims, bindings 1-4 with loadB (lib/matmul_vec4_b.wgsl or lib/matmul_vec4_b_uniform.wgsl),
// the sizes (lib/conv_common.wgsl), split-K and lib/matmul_vec4_lanes.wgsl.

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;

const RB = 5u;
override SELECTS: bool = false;

// Where row `row` of the im2col matrix reads: (index of its window's top-left pixel, channel
// 0, possibly before the buffer's start; the window's top row; its left column).
fn rowPixel(row: u32) -> vec3<i32> {
  let ox = row % OW;
  let oy = (row / OW) % OH;
  let bi = row / (OW * OH);
  let y0 = i32(oy * S) - i32(P);
  let x0 = i32(ox * S) - i32(P);
  return vec3<i32>((i32(bi * H) + y0) * i32(W) * i32(IC) + x0 * i32(IC), y0, x0);
}

// Where column k of the im2col matrix reads within a window: (offset (i·W + j)·IC + c, i, j).
fn colOffset(k: u32) -> vec3<i32> {
  let c = k % IC;
  let j = (k / IC) % KW;
  let i = k / (IC * KW);
  return vec3<i32>(i32((i * W + j) * IC + c), i32(i), i32(j));
}

// im2col[row, k .. k+3] (channels c .. c+3 of one pixel, IC % 4 == 0): 0 in the padding; the
// load is from a clamped in-bounds index and the padding a select, so lanes never diverge.
fn window4(r: vec3<i32>, o: vec3<i32>) -> vec4<f32> {
  // One unsigned comparison per bound (a negative coordinate wraps past H or W), and `&`, not
  // `&&`: no short-circuit branches (SwiftShader's compiler took minutes over those).
  let inside = (u32(r.y + o.y) < H) & (u32(r.z + o.z) < W);
  return select(vec4(0.0), a[u32(max(r.x + o.x, 0)) / 4u], inside);
}

// op(A)[m .. m+3, k .. k+3] without TRANS_A: rows ra..rd (rowPixel), columns o (colOffset of k),
// o1, o2, o3 (of k+1 .. k+3; in the same pixel, so o + 1..3 in offset only).
fn tileRows(ra: vec3<i32>, rb: vec3<i32>, rc: vec3<i32>, rd: vec3<i32>, o: vec3<i32>) -> mat4x4<f32> {
  return transpose(mat4x4<f32>(window4(ra, o), window4(rb, o), window4(rc, o), window4(rd, o)));
}

// op(A)[m0 .. m0+3, k .. k+3] with TRANS_A (op(A) = [colᵀ; 1]): four channels o of one window
// offset, at the four im2col rows p0..p3; the ones row (m0 = M − 1) reads as ones.
fn tileCols(m0: u32, o: vec3<i32>, p0: vec3<i32>, p1: vec3<i32>, p2: vec3<i32>, p3: vec3<i32>) -> mat4x4<f32> {
  let ones = MODE >= 2u && m0 == dims.M - 1u;
  let one = vec4(1.0);
  if (!SELECTS && ones) { return mat4x4<f32>(one, one, one, one); }
  return mat4x4<f32>(
    select(window4(p0, o), one, ones), select(window4(p1, o), one, ones),
    select(window4(p2, o), one, ones), select(window4(p3, o), one, ones),
  );
}

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
  if (TRANS_A) {
    // The rows of op(A) are im2col columns: one window offset per tile of four (its channels),
    // found once; the rows of im2col (k) are found each step, once for all five tiles. Rows of
    // im2col from K on (a ragged last step) read the last one, which tileB's zero rows cancel.
    let o0 = colOffset(min(m0, last)); let o1 = colOffset(min(m0 + 4u, last)); let o2 = colOffset(min(m0 + 8u, last));
    let o3 = colOffset(min(m0 + 12u, last)); let o4 = colOffset(min(m0 + 16u, last));
    let lastK = dims.K - 1u;
    for (var k = kr.x; k < kr.y; k += 4u) {
      let p0 = rowPixel(min(k, lastK)); let p1 = rowPixel(min(k + 1u, lastK));
      let p2 = rowPixel(min(k + 2u, lastK)); let p3 = rowPixel(min(k + 3u, lastK));
      let tb0 = tileB(k, n0);
      let tb1 = tileB(k, n1);
      let t0 = tileCols(min(m0, last), o0, p0, p1, p2, p3); a0 += t0 * tb0; c0 += t0 * tb1;
      let t1 = tileCols(min(m0 + 4u, last), o1, p0, p1, p2, p3); a1 += t1 * tb0; c1 += t1 * tb1;
      let t2 = tileCols(min(m0 + 8u, last), o2, p0, p1, p2, p3); a2 += t2 * tb0; c2 += t2 * tb1;
      let t3 = tileCols(min(m0 + 12u, last), o3, p0, p1, p2, p3); a3 += t3 * tb0; c3 += t3 * tb1;
      let t4 = tileCols(min(m0 + 16u, last), o4, p0, p1, p2, p3); a4 += t4 * tb0; c4 += t4 * tb1;
      if (NB > 1u) { addCols8(&g1, k, n0 + 8u, t0, t1, t2, t3, t4); }
      if (NB > 2u) { addCols8(&g2, k, n0 + 16u, t0, t1, t2, t3, t4); }
      if (NB > 3u) { addCols8(&g3, k, n0 + 24u, t0, t1, t2, t3, t4); }
    }
  } else {
    // Each of the 20 rows' pixel once; each step's window offset once for all of them. Rows
    // past M repeat the last row (never stored).
    let r0 = rowPixel(min(m0, last)); let r1 = rowPixel(min(m0 + 1u, last)); let r2 = rowPixel(min(m0 + 2u, last)); let r3 = rowPixel(min(m0 + 3u, last));
    let r4 = rowPixel(min(m0 + 4u, last)); let r5 = rowPixel(min(m0 + 5u, last)); let r6 = rowPixel(min(m0 + 6u, last)); let r7 = rowPixel(min(m0 + 7u, last));
    let r8 = rowPixel(min(m0 + 8u, last)); let r9 = rowPixel(min(m0 + 9u, last)); let r10 = rowPixel(min(m0 + 10u, last)); let r11 = rowPixel(min(m0 + 11u, last));
    let r12 = rowPixel(min(m0 + 12u, last)); let r13 = rowPixel(min(m0 + 13u, last)); let r14 = rowPixel(min(m0 + 14u, last)); let r15 = rowPixel(min(m0 + 15u, last));
    let r16 = rowPixel(min(m0 + 16u, last)); let r17 = rowPixel(min(m0 + 17u, last)); let r18 = rowPixel(min(m0 + 18u, last)); let r19 = rowPixel(min(m0 + 19u, last));
    for (var k = kr.x; k < kr.y; k += 4u) {
      let o = colOffset(k);
      let tb0 = tileB(k, n0);
      let tb1 = tileB(k, n1);
      let t0 = tileRows(r0, r1, r2, r3, o); a0 += t0 * tb0; c0 += t0 * tb1;
      let t1 = tileRows(r4, r5, r6, r7, o); a1 += t1 * tb0; c1 += t1 * tb1;
      let t2 = tileRows(r8, r9, r10, r11, o); a2 += t2 * tb0; c2 += t2 * tb1;
      let t3 = tileRows(r12, r13, r14, r15, o); a3 += t3 * tb0; c3 += t3 * tb1;
      let t4 = tileRows(r16, r17, r18, r19, o); a4 += t4 * tb0; c4 += t4 * tb1;
      if (NB > 1u) { addCols8(&g1, k, n0 + 8u, t0, t1, t2, t3, t4); }
      if (NB > 2u) { addCols8(&g2, k, n0 + 16u, t0, t1, t2, t3, t4); }
      if (NB > 3u) { addCols8(&g3, k, n0 + 24u, t0, t1, t2, t3, t4); }
    }
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
