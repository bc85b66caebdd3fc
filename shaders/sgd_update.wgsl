// sgd_update: one SGD step over the whole flat parameter buffer.
//
//   weights: w ← w − lr·(g + l2·w)      (L2 term λ/2·‖W‖²)
//   biases:  b ← b − lr·g
//   padding between layer blocks: untouched
// Bindings: 0 grads (read, n), 1 params (read_write, n), 2 opt (uniform: lr, l2, the layer
//           segments [offset, offset + C·OC, offset + (C+1)·OC) as vec4<u32>).
// Dispatch: flat over n = params length, ceil(n / WG) workgroups folded into x and y.
// Overrides: WG.
// #include optimizer

@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<uniform> opt: Optimizer;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let kind = paramKind(i);
  if (kind == PADDING) { return; }
  let decay = select(0.0, opt.l2 * params[i], kind == WEIGHT);
  params[i] -= opt.lr * (grads[i] + decay);
}
