// conv_gemm_ub: conv_gemm (see its header: the same roles, sums, dispatch and constraints)
// with B in a uniform buffer, for the two roles whose B is the layer's weights: the forward
// ([W; bias]) and the input gradient (the flipped weights). llvmpipe (Mesa 22) loads a vec4
// from a uniform buffer about 12× faster than from a storage buffer, and with NB column
// blocks B's loads are most of the kernel's. src/gpu/ops/matmul.ts (uniformB) takes it where
// B fits 64 KiB, its buffer has UNIFORM usage and the device allows 64 KiB uniform bindings.
// Bindings: as conv_gemm's, but 1 b (uniform, vec4 × 4096: bound whole, 64 KiB).
// #include activations
// #include matmul_vec4_common
// #include matmul_vec4_b_uniform
// #include matmul_split
// #include conv_common
// #include matmul_vec4_lanes
// #include conv_gemm_body
