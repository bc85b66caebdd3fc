// Binding 1 of conv_gemm_ub: B in a uniform buffer of 64 KiB (4,096 vec4: a convolution's
// weights and bias, or its flipped weights, at most (K + 1)·N floats), and loadB, which
// lib/matmul_vec4_common.wgsl's tiles and epilogue read it through. Spliced in where a kernel
// says `// #include matmul_vec4_b_uniform`. llvmpipe (Mesa 22) loads from a uniform buffer
// about 12× faster than from a storage buffer, where each load is a loop over the SIMD lanes.
// The binding must be the whole 64 KiB (src/gpu/ops/matmul.ts uniformB).

@group(0) @binding(1) var<uniform> b: array<vec4<f32>, 4096>;

fn loadB(i: u32) -> vec4<f32> {
  return b[i];
}
