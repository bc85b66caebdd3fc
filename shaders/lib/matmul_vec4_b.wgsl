// Binding 1 of matmul_vec4, matmul_vec4_u8 and conv_gemm: B in a storage buffer, and loadB,
// which lib/matmul_vec4_common.wgsl's tiles and epilogue read it through. Spliced in where a
// kernel says `// #include matmul_vec4_b` (conv_gemm_ub has lib/matmul_vec4_b_uniform.wgsl).

@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;

fn loadB(i: u32) -> vec4<f32> {
  return b[i];
}
