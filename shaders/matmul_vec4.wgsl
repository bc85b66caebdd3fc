// matmul_vec4: register blocking with vec4 loads, shaped for adapters that run
// invocations as SIMD lanes on a CPU (llvmpipe, SwiftShader), where every per-invocation
// load is a gather and the count of loads per multiply-add decides the speed; fine on GPUs.
// An invocation computes a 20 × 8 block of out (rows m0 .. m0+19, columns n0 .. n0+7): for
// every four steps of k it loads 4 × 4 blocks of op(A) (five) and op(B) (two) as four vec4
// each, along whichever dimension is contiguous in memory, and accumulates their products
// as mat4x4 arithmetic: 28 vec4 loads per 640 multiply-adds. Rows come from workgroup_id.y
// alone, so A's loads are the same for the whole workgroup. No shared memory, no barriers.
// With ROWS_IN_LANES (outputs of N ≤ 32 columns: a convolution's forward, and its weight
// gradient where the rows outnumber the columns) the workgroup's invocations take consecutive
// row blocks of one column block instead, B's loads common.
//
//   out (M, N) = epilogue(op(A) · op(B)), with the MODE/ACT/TRANS semantics of
//   lib/matmul_common.wgsl (forward with bias row, backward input ⊙ act'(aux), backward
//   weight with the ones row); B, the epilogue and bindings 1-4 in lib/matmul_vec4_common.wgsl;
//   A (binding 0), its tiles and the main loop in lib/matmul_vec4_body.wgsl, which
//   matmul_vec4_edge shares.
// Bindings: 0 a (read, vec4), 1 b (read, vec4), 2 aux (read, vec4), 3 out (read_write, vec4 (M, N/4)),
//   4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / (4·RB)), slices); with ROWS_IN_LANES
//   (ceil(N / 8), ceil(M / (4·RB·WG_X)), slices).
// Overrides: WG_X, WG_Y (must be 1), TRANS_A, TRANS_B, MODE (0-3), ACT, SELECTS, SPLIT, ROWS_IN_LANES, K_LANES,
//   NB (with ROWS_IN_LANES: 1-4 blocks of 8 columns to an invocation, each tile of A loaded once
//   for all of them; then ceil(N / (8·NB)) workgroups along x; matmul-plans.ts columnGroupsOf).
// Constraints (src/gpu/matmul-plans.ts vec4Kernel checks them and runs matmul_vec4_edge, for a
// weight gradient of any width, or matmul_blocked otherwise):
//   K % 4 == 0 unless TRANS_A and not TRANS_B (the weight gradient: K is the batch, and
//   B's rows from K on read as zeros); lda % 4 == 0, ldb % 4 == 0; with TRANS_A, the
//   stored rows of A (M, or M − 1 in MODEs 2 and 3) % 4 == 0; N % 4 == 0; bindings
//   16-byte aligned.
// Tuning on llvmpipe (2 cores, time per dispatch at 100×784×300 and 100×300×100, all three
// roles): 20 × 8 blocks beat 8 × 8, 12 × 8 (by 10–25%), 16 × 8 and 32 × 8, and fill a batch
// of 100 exactly; earlier, 12 × 8 beat 4 × 4 (1.6×) and 8 × 4; 8-wide workgroups beat 16,
// 32 and 64. (llvmpipe turns every load in a loop into a per-lane loop; loads per
// multiply-add decide the speed.) ROWS_IN_LANES on llvmpipe, a convolution's forward at
// batch 100 (ms per dispatch, lanes along N → along M, three interleaved rounds, load 6):
// 19,600 × 400 · 400 × 32 45 → 34; 78,400 × 28 · 28 × 16 15.5 → 9.6; 57,600 × 28 · 28 × 24
// 14.3 → 11.1; 12,800 × 216 · 216 × 32 18.8 → 17.0. Weight gradients: src/gpu/matmul-plans.ts
// rowsInLanesFits (LeNet-5's second convolution 5.6–6.7 → 2.4–2.7 ms).
// #include activations
// #include matmul_vec4_common
// #include matmul_vec4_b
// #include matmul_split
// #include matmul_vec4_tile_a
// #include matmul_vec4_lanes
// #include matmul_vec4_body
