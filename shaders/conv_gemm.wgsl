// conv_gemm: a convolution's matmuls with the im2col matrix read in place ("implicit GEMM"):
// matmul_vec4's 20 × 8 blocks, loop and epilogue (lib/matmul_vec4_body.wgsl, whose main it
// mirrors), with the tiles of A gathered from the layer's input instead of loaded from a
// materialised im2col matrix. Each invocation finds the pixels of its rows once, before the
// loop, and each step of k its window offset once for all rows (index arithmetic inside
// every load made SwiftShader's compiler take minutes over the kernel).
// No B·OH·OW × KH·KW·IC matrix is written and read back (31 MB for the cnn preset's second
// convolution at batch 100, 64 MB for fast's), and the input it reads instead stays cached.
//
//   col[(b·OH + y)·OW + x, (i·KW + j)·IC + c] = in[b, y·S − P + i, x·S − P + j, c]  (0 in the padding)
//   MODE 0 (forward):          out (B·OH·OW, OC) = act(col · W + bias)            (B = [W; bias], (CK + 1, OC))
//   MODE 2 (weight gradient):  out (CK + 1, OC) = [colᵀ; 1] · dY                  (TRANS_A; B = dY, K = B·OH·OW)
//   MODE 3:                    that gradient applied as an SGD step to out
//   MODE 1 (input gradient):   out (B·H·W, IC) = (col' · W'ᵀ) ⊙ act'(aux) (TRANS_B), col' the
//     im2col of dY over the transposed geometry (src/gpu/ops/conv.ts: stride 1, padding
//     KH − 1 − P) and W' (IC, KH·KW·OC) the flipped weights (conv_flip_weights.wgsl)
// exactly as im2col.wgsl followed by matmul_vec4 (the same products summed in the same
// order: results bit-identical to that pair); CPU twin: src/cpu/conv.ts im2col then the matmul.
// Bindings: 0 in (read, vec4, (B, H, W, IC)), then as matmul_vec4: 1 b (read, vec4), 2 aux
//   (read, vec4), 3 out (read_write, vec4), 4 dims (uniform: M, N, K, lda (unused), ldb, kSlice, pstride).
// Dispatch: as matmul_vec4's (src/gpu/matmul-plans.ts gridOf, kernels vec4 and vec4_rows),
//   with NB 8-column blocks to an invocation: ceil(N / (8·NB)) workgroups along x.
// Overrides: those of matmul_vec4, NB (lib/matmul_vec4_lanes.wgsl: 1-4 blocks of 8 columns to
//   an invocation, with ROWS_IN_LANES; src/gpu/matmul-plans.ts columnGroupsOf) and the sizes of
//   lib/conv_common.wgsl.
// Constraints (src/gpu/ops/conv.ts implicitConvFits): IC % 4 == 0 (four columns of a row are
//   four channels of one pixel: one vec4 load), N % 4 == 0, CK = KH·KW·IC.
// #include activations
// #include matmul_vec4_common
// #include matmul_vec4_b
// #include matmul_split
// #include conv_common
// #include matmul_vec4_lanes
// #include conv_gemm_body
