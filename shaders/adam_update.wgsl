// adam_update: one Adam step (Kingma & Ba 2015, as torch.optim.Adam) over the flat
// parameter buffer, L2 added to the gradient of weights (not biases); with DECOUPLED, one
// AdamW step (Loshchilov & Hutter 2019, as torch.optim.AdamW), weights decayed first.
//
//   DECOUPLED false:  g ← grad + l2·w (weights)
//   DECOUPLED true:   w ← w·(1 − lr·wd) (weights; wd = opt.weightDecay), g ← grad
//   m ← β1·m + (1 − β1)·g      v ← β2·v + (1 − β2)·g²
//   w ← w − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε),   t = t0 + step.index + 1
//   lr = step.lr, the mini-batch's rate; padding between layer blocks: untouched
// Bindings: 0 grads (read, n/4 vec4), 1 params (read_write), 2 m (read_write), 3 v (read_write),
//           4 opt (uniform Optimizer: l2, segments, beta1, beta2, eps, t0, weightDecay);
//           group 1: step (uniform, dynamic offset: index, lr).
// Dispatch: flat over n/4, ceil(n/4 / WG) workgroups folded into x and y.
// Overrides: WG, DECOUPLED (bool: AdamW).
// #include optimizer
// #include step

@group(0) @binding(0) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> m1: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> m2: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> opt: Optimizer;

override WG: u32 = 256u;
override DECOUPLED: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x + gid.y * nwg.x * WG;
  if (q >= arrayLength(&params)) { return; }
  let kinds = paramKinds(4u * q);
  if (!any(kinds.update)) { return; }
  let t = f32(opt.t0 + step.index + 1u);
  let bc1 = 1.0 - pow(opt.beta1, t);
  let bc2 = 1.0 - pow(opt.beta2, t);
  var p = params[q];
  var g = grads[q];
  if (DECOUPLED) {
    p = select(p, p * (1.0 - step.lr * opt.weightDecay), kinds.decay);
  } else {
    g = g + select(vec4<f32>(0.0), opt.l2 * p, kinds.decay);
  }
  let m = opt.beta1 * m1[q] + (1.0 - opt.beta1) * g;
  let v = opt.beta2 * m2[q] + (1.0 - opt.beta2) * g * g;
  m1[q] = select(m1[q], m, kinds.update);
  m2[q] = select(m2[q], v, kinds.update);
  let stepSize = step.lr / bc1;
  let denom = sqrt(v) / sqrt(bc2) + opt.eps;
  params[q] = p - select(vec4<f32>(0.0), stepSize * m / denom, kinds.update);
}
