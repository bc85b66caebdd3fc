// Which block of out each invocation of matmul_vec4, matmul_vec4_edge and conv_gemm takes
// (20 rows × 8 columns), and which slice of k it sums; spliced in where a kernel says
// `// #include matmul_vec4_lanes` (RB, WG_X, SPLIT and kRange declared by the kernel's other
// includes).

// ROWS_IN_LANES: the invocations of a workgroup take consecutive 20-row blocks of one 8-column
// block (rows from workgroup_id.y · WG_X + local id, columns from workgroup_id.x alone), so
// B's loads are the workgroup's in common instead of A's. For narrow outputs (N ≤ 32: a
// convolution's forward over 16-32 channels, or its weight gradient over more rows than
// columns) where WG_X columns of 8 would leave half or more of the workgroup's lanes past N.
// src/gpu/matmul-plans.ts (vec4Kernel) decides.
override ROWS_IN_LANES: bool = false;

// K_LANES (with SPLIT): the workgroup's WG_X invocations form K_LANES groups, group g summing
// slice workgroup_id.z · K_LANES + g of k, its WG_X / K_LANES invocations consecutive blocks
// along rows (ROWS_IN_LANES) or columns as above. For a weight gradient with fewer blocks
// than lanes (a first convolution's 13-29 × 6-24 gradient: one to three blocks) whose other
// lanes would run idle beside them (an adapter on a CPU runs a workgroup as SIMD lanes).
// src/gpu/matmul-plans.ts (kLanesOf) decides.
override K_LANES: u32 = 1u;

// NB (matmul_vec4 and conv_gemm with ROWS_IN_LANES): each invocation's block is NB 8-column
// blocks wide (8·NB columns, NB ≤ 4), every tile of A loaded once for all of them. An adapter on
// a CPU pays for a kernel's loads, not its multiply-adds: a convolution's 24 output channels as
// one 20 × 24 block load each tile of A once instead of three times. matmul_vec4_edge keeps 1.
// src/gpu/matmul-plans.ts (columnGroupsOf) decides.
override NB: u32 = 1u;

// (n0, m0, slice of k): this invocation's block's first column and row, and its slice.
fn blockOf(wid: vec3<u32>, lid: vec3<u32>) -> vec3<u32> {
  let lanes = WG_X / K_LANES;
  let l = lid.x % lanes;
  let n0 = select(wid.x * lanes + l, wid.x, ROWS_IN_LANES) * 8u * NB;
  let m0 = select(wid.y, wid.y * lanes + l, ROWS_IN_LANES) * 4u * RB;
  return vec3(n0, m0, wid.z * K_LANES + lid.x / lanes);
}

// The accumulators of one more 8-column block of an invocation's NB: columns n .. n+3 in lo,
// n+4 .. n+7 in hi, one 4 × 4 tile per 4 of the block's 20 rows (as the first block's two).
struct Cols8 {
  lo0: mat4x4<f32>, lo1: mat4x4<f32>, lo2: mat4x4<f32>, lo3: mat4x4<f32>, lo4: mat4x4<f32>,
  hi0: mat4x4<f32>, hi1: mat4x4<f32>, hi2: mat4x4<f32>, hi3: mat4x4<f32>, hi4: mat4x4<f32>,
}

// Adds this step of k's five tiles of op(A) times op(B)'s columns n .. n+7 (B's tiles clamped
// into B; columns past N are never stored).
fn addCols8(g: ptr<function, Cols8>, k: u32, n: u32, t0: mat4x4<f32>, t1: mat4x4<f32>, t2: mat4x4<f32>, t3: mat4x4<f32>, t4: mat4x4<f32>) {
  let u0 = tileB(k, min(n, dims.N - 1u));
  let u1 = tileB(k, min(n + 4u, dims.N - 1u));
  (*g).lo0 += t0 * u0; (*g).hi0 += t0 * u1;
  (*g).lo1 += t1 * u0; (*g).hi1 += t1 * u1;
  (*g).lo2 += t2 * u0; (*g).hi2 += t2 * u1;
  (*g).lo3 += t3 * u0; (*g).hi3 += t3 * u1;
  (*g).lo4 += t4 * u0; (*g).hi4 += t4 * u1;
}

// Writes rows m0 .. m0+19, columns n .. n+7 of out from g (finishBlock), if n is inside N.
fn finishCols8(m0: u32, n: u32, g: Cols8) {
  if (n >= dims.N) { return; }
  finishBlock(m0, n, g.lo0, g.hi0);
  finishBlock(m0 + 4u, n, g.lo1, g.hi1);
  finishBlock(m0 + 8u, n, g.lo2, g.hi2);
  finishBlock(m0 + 12u, n, g.lo3, g.hi3);
  finishBlock(m0 + 16u, n, g.lo4, g.hi4);
}
