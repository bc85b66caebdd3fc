// The optimiser's uniform and the weight/bias/padding map of the flat parameter buffer
// (src/model/layout.ts); spliced in where a kernel says `// #include optimizer`.
// Kernels update four parameters per invocation: layer blocks start on 64-float
// boundaries, so four consecutive floats from a multiple of 4 never span two blocks.
const MAX_LAYERS = 16u;

struct Optimizer {
  // The epoch's learning rate, read only by the fused SGD paths (matmul MODE 3,
  // splitk_reduce, batchnorm_backward_totals FUSED), which the step plan uses only where the rate
  // is constant within each epoch; the update kernels read each mini-batch's step.lr.
  lr: f32,
  l2: f32,
  momentum: f32,
  layers: u32,
  // Per layer: (first weight, first bias, end of block, unused).
  segments: array<vec4<u32>, MAX_LAYERS>,
  // Adam (adam_update): β1, β2, ε, and the steps taken before this epoch (t of its step 0 is t0 + 1).
  beta1: f32,
  beta2: f32,
  eps: f32,
  t0: u32,
  // AdamW (adam_update with DECOUPLED): the decoupled weight decay, weights only.
  weightDecay: f32,
}

struct ParamKinds {
  update: vec4<bool>, // a weight or a bias (not padding)
  decay: vec4<bool>,  // a weight: L2 applies
}

// Kinds of parameters i .. i+3 (i a multiple of 4).
fn paramKinds(i: u32) -> ParamKinds {
  let idx = vec4<u32>(i, i + 1u, i + 2u, i + 3u);
  for (var l = 0u; l < opt.layers; l++) {
    let s = opt.segments[l];
    if (i >= s.x && i < s.z) { return ParamKinds(idx < vec4<u32>(s.z), idx < vec4<u32>(s.y)); }
  }
  return ParamKinds(vec4<bool>(false), vec4<bool>(false));
}
