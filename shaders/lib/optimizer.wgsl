// The optimiser's uniform and the weight/bias/padding map of the flat parameter buffer
// (src/model/layout.ts); spliced in where a kernel says `// #include optimizer`.
const MAX_LAYERS = 16u;
const PADDING = 0u;
const WEIGHT = 1u;
const BIAS = 2u;

struct Optimizer {
  lr: f32,
  l2: f32,
  momentum: f32,
  layers: u32,
  // Per layer: (first weight, first bias, end of block, unused).
  segments: array<vec4<u32>, MAX_LAYERS>,
}

fn paramKind(i: u32) -> u32 {
  for (var l = 0u; l < opt.layers; l++) {
    let s = opt.segments[l];
    if (i >= s.x && i < s.z) { return select(BIAS, WEIGHT, i < s.y); }
  }
  return PADDING;
}
