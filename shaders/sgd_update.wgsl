// sgd_update: one SGD step over the whole flat parameter buffer, plain or with (heavy-ball)
// momentum.
//
//   MOMENTUM false:  weights w ← w − lr·(g + l2·w)   biases b ← b − lr·g   (L2 term λ/2·‖W‖²)
//   MOMENTUM true:   v ← μ·v + g + l2·w (weights), v ← μ·v + g (biases);  w ← w − lr·v
//   lr = step.lr, the mini-batch's rate; padding between layer blocks: untouched
// Bindings: 0 grads (read, n/4 vec4), 1 params (read_write, n/4 vec4),
//           2 velocity (read_write, n/4 vec4; with MOMENTUM false any small buffer, unread),
//           3 opt (uniform Optimizer: l2, momentum, the layer segments
//           [offset, offset + C·OC, offset + (C+1)·OC) as vec4<u32>);
//           group 1: step (uniform, dynamic offset: lr).
// Dispatch: flat over n/4 (n = params length, a multiple of 64), ceil(n/4 / WG) workgroups
//           folded into x and y.
// Overrides: WG, MOMENTUM (bool).
// #include optimizer
// #include step

@group(0) @binding(0) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> velocity: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> opt: Optimizer;

override WG: u32 = 256u;
override MOMENTUM: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= arrayLength(&params)) { return; }
  let kinds = paramKinds(4u * q);
  if (!any(kinds.update)) { return; }
  let p = params[q];
  if (MOMENTUM) {
    let v = opt.momentum * velocity[q] + grads[q] + select(vec4<f32>(0.0), opt.l2 * p, kinds.decay);
    velocity[q] = select(velocity[q], v, kinds.update);
    params[q] = p - select(vec4<f32>(0.0), step.lr * v, kinds.update);
  } else {
    let step = step.lr * (grads[q] + select(vec4<f32>(0.0), opt.l2 * p, kinds.decay));
    params[q] = p - select(vec4<f32>(0.0), step, kinds.update);
  }
}
