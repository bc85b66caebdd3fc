// sgd_momentum_update: SGD with (heavy-ball) momentum over the flat parameter buffer.
//
//   v ← μ·v + g + l2·w   (weights)     v ← μ·v + g   (biases)
//   w ← w − lr·v                        padding: untouched
// Bindings: 0 grads (read, n/4 vec4), 1 params (read_write, n/4 vec4),
//           2 velocity (read_write, n/4 vec4), 3 opt (uniform: lr, l2, momentum, layer segments).
// Dispatch: flat over n/4, ceil(n/4 / WG) workgroups folded into x and y.
// Overrides: WG.
// #include optimizer

@group(0) @binding(0) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> velocity: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> opt: Optimizer;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= arrayLength(&params)) { return; }
  let kinds = paramKinds(4u * q);
  if (!any(kinds.update)) { return; }
  let p = params[q];
  let v = opt.momentum * velocity[q] + grads[q] + select(vec4<f32>(0.0), opt.l2 * p, kinds.decay);
  velocity[q] = select(velocity[q], v, kinds.update);
  params[q] = p - select(vec4<f32>(0.0), opt.lr * v, kinds.update);
}
