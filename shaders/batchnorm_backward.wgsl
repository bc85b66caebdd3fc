// batchnorm_backward: the gradients of batch normalization in training mode, through the
// activation of the layer before (its output is x), with g = dY (the gradient of the loss
// with respect to this layer's output before its own activation), istd = 1/√(var + EPS),
// x̂ = (x − mean)·istd:
//
//   dγ[c] = Σ_r g[r, c]·x̂[r, c];  dβ[c] = Σ_r g[r, c]
//   dX[r, c] = f′(x[r, c]) · γ[c]·istd[c]·(g[r, c] − dβ[c]/N − x̂[r, c]·dγ[c]/N)   (HAS_DX)
//   FUSED: wb ← wb − lr·([dγ; dβ] + l2·[γ; 0]) in place (plain SGD, γ decayed like a
//          weight, β not, like a bias); otherwise dWb = [dγ; dβ]
// Each workgroup owns one channel, so γ[c] is read (for dX) before its own update writes it.
// Bindings: 0 x (read, (N, C) channels last), 1 dY (read, (N, C)), 2 stats (read, (2, C):
//           the batch's mean then variance), 3 opt (read: lr, l2, the optimiser buffer read
//           as floats; only FUSED reads it), 4 wb (read_write, (2, C): γ then β), 5 dWb
//           (read_write, (2, C); FUSED writes none), 6 dX (read_write, (N, C); written only
//           with HAS_DX), 7 dims (uniform BnDims: N).
// Dispatch: (C, 1, 1): one workgroup per channel, its invocations striding over the rows.
// Overrides: WG (a power of two), C, EPS, ACT (f, the activation that produced x), HAS_DX, FUSED.
// #include activations
// #include batchnorm_common

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dY: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> opt: array<f32>;
@group(0) @binding(4) var<storage, read_write> wb: array<f32>;
@group(0) @binding(5) var<storage, read_write> dWb: array<f32>;
@group(0) @binding(6) var<storage, read_write> dX: array<f32>;
@group(0) @binding(7) var<uniform> dims: BnDims;

override WG: u32 = 64u;
override ACT: u32 = 0u;
override HAS_DX: bool = true;
override FUSED: bool = false;
// #include batch_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = lid.x;
  let c = wid.x;
  let N = dims.N;
  let mean = stats[c];
  let istd = inverseSqrt(stats[C + c] + EPS);
  var sums = vec2<f32>(0.0, 0.0);
  for (var r = t; r < N; r += WG) {
    let i = r * C + c;
    sums += vec2<f32>(dY[i] * (x[i] - mean) * istd, dY[i]);
  }
  let total = workgroupSum(t, sums);
  let dGamma = total.x;
  let dBeta = total.y;
  let gamma = wb[c];
  if (HAS_DX) {
    let scale = gamma * istd;
    let invN = 1.0 / f32(N);
    for (var r = t; r < N; r += WG) {
      let i = r * C + c;
      let xHat = (x[i] - mean) * istd;
      dX[i] = activationGrad(x[i], ACT) * scale * (dY[i] - dBeta * invN - xHat * dGamma * invN);
    }
  }
  // Every invocation has read γ[c] above.
  workgroupBarrier();
  if (t == 0u && c < C) {
    if (FUSED) {
      wb[c] = gamma - opt[0] * (dGamma + opt[1] * gamma);
      wb[C + c] = wb[C + c] - opt[0] * dBeta;
    } else {
      dWb[c] = dGamma;
      dWb[C + c] = dBeta;
    }
  }
}
