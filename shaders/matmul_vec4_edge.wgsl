// matmul_vec4_edge: matmul_vec4 for outputs of any width, forward pass and weight gradient.
// The same 20 × 8 blocks per invocation and the same vec4 loads of op(A); B is read as
// floats and out written as floats, so N and ldb need not be multiples of 4: a convolution
// with 6 output channels (LeNet-5's first), whose matmuls otherwise fall back to
// matmul_blocked (4 × 4 blocks, one float load per 2 multiply-adds). Here: 20 vec4 loads of
// A and 32 float loads of B per 640 multiply-adds.
//
//   out (M, N) = act(A·B + bias row) (MODE 0), [Aᵀ; 1] · B (MODE 2) or that gradient applied
//   as an SGD step to out (MODE 3), as in lib/matmul_common.wgsl. B, the epilogue and
//   bindings 1-4 in lib/matmul_vec4_edge_common.wgsl; A (binding 0), its tiles and the main
//   loop in lib/matmul_vec4_body.wgsl (ROWS_IN_LANES there: a forward of many rows, or a weight
//   gradient of more rows than columns: LeNet-5's first convolution's 10.6–11.5 → 6.0–6.2 ms).
// Bindings: 0 a (read, vec4, (M, lda) or with TRANS_A (K, lda)), 1 b (read, f32, (K, ldb),
//   the bias in row K in MODE 0), 2 aux (read, f32: the optimiser in MODE 3), 3 out
//   (read_write, f32 (M, N)), 4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / (4·RB)), slices); with ROWS_IN_LANES
//   (ceil(N / 8), ceil(M / (4·RB·WG_X)), slices).
// Overrides: WG_X, WG_Y (must be 1), TRANS_A (with MODE 2 or 3; not with MODE 0), TRANS_B
//   (must be false), MODE (0, 2 or 3), ACT, SELECTS, SPLIT, ROWS_IN_LANES, K_LANES.
// Constraints (src/gpu/matmul-plans.ts vec4EdgeFits; matmul_blocked takes the rest):
//   not TRANS_B; lda % 4 == 0; with TRANS_A the stored rows of A (M − 1) % 4 == 0, without
//   it MODE 0 and K % 4 == 0; binding 0 16-byte aligned.
// #include activations
// #include matmul_vec4_edge_common
// #include matmul_split
// #include matmul_vec4_tile_a
// #include matmul_vec4_lanes
// #include matmul_vec4_body
