// dropout: inverted dropout on one hidden layer's activations in the forward pass, and the
// same mask on its gradient in the backward pass (the same dispatch shape, run twice).
//
//   keep(i) = pcgHash(seed ^ pcgHash(layer ^ pcgHash(t ^ pcgHash(i)))) ≥ threshold   (P(keep) = 1 − p)
//   x[i] ← keep(i) ? x[i] / (1 − p) : 0
// t = opt.t0 + step.index + 1 (the mini-batch's number in the whole run), i = row·width + unit:
// each mini-batch draws a fresh mask, the backward pass redraws the forward's, and a resumed
// run or the CPU reference (src/cpu/dropout.ts) draws the same.
// Bindings: 0 x (read_write, n floats), 1 opt (uniform Optimizer: t0), 2 dims (uniform:
//           n, seed, layer, threshold; then scale = 1 / (1 − p) as f32); group 1: step.
// Dispatch: flat over n, folded into x and y.
// Overrides: WG.
// #include optimizer
// #include step
// #include hash

struct DropoutDims { n: u32, seed: u32, layer: u32, threshold: u32, scale: f32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<uniform> opt: Optimizer;
@group(0) @binding(2) var<uniform> d: DropoutDims;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.n) { return; }
  let t = opt.t0 + step.index + 1u;
  let r = pcgHash(d.seed ^ pcgHash(d.layer ^ pcgHash(t ^ pcgHash(i))));
  x[i] = select(0.0, x[i] * d.scale, r >= d.threshold);
}
