// sgd_momentum_update: SGD with (heavy-ball) momentum over the flat parameter buffer.
//
//   v ← μ·v + g + l2·w   (weights)     v ← μ·v + g   (biases)
//   w ← w − lr·v
// Bindings: 0 grads (read, n), 1 params (read_write, n), 2 velocity (read_write, n),
//           3 opt (uniform: lr, l2, momentum, layer segments).
// Dispatch: flat over n, ceil(n / WG) workgroups folded into x and y.
// Overrides: WG.
// #include optimizer

@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> velocity: array<f32>;
@group(0) @binding(3) var<uniform> opt: Optimizer;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let kind = paramKind(i);
  if (kind == PADDING) { return; }
  let decay = select(0.0, opt.l2 * params[i], kind == WEIGHT);
  let v = opt.momentum * velocity[i] + grads[i] + decay;
  velocity[i] = v;
  params[i] -= opt.lr * v;
}
