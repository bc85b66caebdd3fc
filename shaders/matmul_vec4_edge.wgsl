// matmul_vec4_edge: matmul_vec4 for outputs of any width. The same 20 × 8 blocks per
// invocation and the same vec4 loads of op(A); op(B) is read as floats and out written as
// floats, so N and ldb need not be multiples of 4: a convolution with 6 output channels
// (LeNet-5's first), whose forward and weight-gradient matmuls otherwise fall back to
// matmul_blocked (4 × 4 blocks, one float load per 2 multiply-adds). Here: 20 vec4 loads of
// A and 32 float loads of B per 640 multiply-adds.
//
//   out (M, N) = epilogue(op(A) · B), the MODE/ACT/TRANS_A semantics of
//   lib/matmul_common.wgsl; no TRANS_B. B, the epilogue and bindings 1-4 in
//   lib/matmul_vec4_edge_common.wgsl; A (binding 0), its tiles and the main loop in
//   lib/matmul_vec4_body.wgsl.
// Bindings: 0 a (read, vec4), 1 b (read, f32), 2 aux (read, f32), 3 out (read_write, f32 (M, N)),
//   4 dims (uniform).
// Dispatch: (ceil(N / (8·WG_X)), ceil(M / (4·RB)), slices).
// Overrides: WG_X, WG_Y (must be 1), TRANS_A, TRANS_B (must be false), MODE (0-3), ACT, SELECTS, SPLIT.
// Constraints (src/gpu/matmul-plans.ts vec4EdgeFits; matmul_blocked takes the rest):
//   no TRANS_B; K % 4 == 0 unless TRANS_A; lda % 4 == 0; with TRANS_A, the stored rows of A
//   (M, or M − 1 in MODEs 2 and 3) % 4 == 0; binding 0 16-byte aligned.
// #include activations
// #include matmul_vec4_edge_common
// #include matmul_split
// #include matmul_vec4_body
