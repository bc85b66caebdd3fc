// Split-K, shared by the matmul kernels (with lib/matmul_common.wgsl or
// lib/matmul_vec4_common.wgsl, whose Dims carry kSlice and pstride); spliced in where a
// kernel says `// #include matmul_split`.
// SPLIT: workgroup z sums only k in [z·kSlice, min(K, (z + 1)·kSlice)) and writes that
// partial product, without the epilogue, to out at z·pstride (out is then the partial-sum
// buffer); splitk_reduce.wgsl adds the slices and applies the epilogue. kSlice is a multiple
// of 16 (every variant's step of k); pstride a multiple of 4 (vec4 stores).
override SPLIT: bool = false;

// Where this invocation's outputs go: kRange sets it (slice z's part of the partial sums).
var<private> outBase: u32;

// Call first, with workgroup_id.z: the range [begin, end) of k to sum, the whole K or
// slice z of it with SPLIT (uniform across the workgroup: loops with barriers may use it).
fn kRange(z: u32) -> vec2<u32> {
  outBase = 0u;
  if (!SPLIT) { return vec2(0u, dims.K); }
  outBase = z * dims.pstride;
  let begin = z * dims.kSlice;
  return vec2(begin, min(dims.K, begin + dims.kSlice));
}
