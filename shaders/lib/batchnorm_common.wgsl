// Sizes of one batch normalization (channels last: x (N, C), N = B·H·W rows), shared by
// batchnorm_stats, batchnorm_forward and the three batchnorm_backward_* kernels; spliced in where a kernel says
// `// #include batchnorm_common`. C and EPS are override constants (each layer its own
// pipeline), the rows N from the uniform (training and evaluation batches differ).
// src/gpu/ops/batchnorm.ts sets them; src/cpu/batchnorm.ts holds the same constants.
override C: u32;
override EPS: f32 = 1e-5;

struct BnDims { N: u32, _pad0: u32, _pad1: u32, _pad2: u32 }
