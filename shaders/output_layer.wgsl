// output_layer: the network's output layer, its loss and the gradient into the previous
// layer, row by row in one pass (replaces matmul forward → loss → matmul backward input).
//
//   z_b   = h_b · W + bias                       ([W; bias] = wb, (C + 1, K), bias the last row)
//   LOSS 0 (softmax + cross-entropy):  out_b = z_b,  p = softmax(z_b) (row max subtracted before exp)
//          loss_b = log Σ_k exp(z_bk − max_b) − (z_by − max_b),   dZ_b = (p − onehot(y_b)) / B
//   LOSS 1 (quadratic cost):  out_b = a_b = ACT_OUT(z_b)
//          loss_b = ½ ‖a_b − onehot(y_b)‖²,   dZ_b = (a_b − onehot(y_b)) ⊙ ACT_OUT'(a_b) / B
//   rowStats[step.index · B + b] = (loss_b, argmax out_b == y_b ? 1 : 0)
//   BACKWARD:  dH_b = (dZ_b · Wᵀ) ⊙ ACT_PREV'(h_b)    (h = the previous layer's output)
//   DROPOUT:   dH[i] ← keep(i) ? dH[i] · scale : 0, i = b·C + c: the previous layer's dropout
//              mask, drawn as dropout.wgsl draws it (same seed, layer, t = opt.t0 + step.index + 1)
// Every output of row b depends on row b alone, so rows spread over workgroups; the batch's
// totals are per-row values the reader sums (GpuTrainer folds them per step, in row order:
// deterministic, no atomics, no second pass).
// Bindings: 0 h (read, (B, C)), 1 wb (read, (C + 1, K)), 2 labels (read, u32 (B)),
//           3 out (read_write, (B, K): logits, or the output activation's values),
//           4 dZ (read_write, (B, K)), 5 dH (read_write, (B, C); unused without BACKWARD),
//           6 rowStats (read_write, vec2 per (step, row)), 7 opt (uniform Optimizer: t0, for
//           DROPOUT), 8 dims (uniform: B, C, K, S, CS, G; DROPOUT's seed, layer, threshold,
//           scale); group 1: step (uniform, dynamic offset).
// Dispatch: (S, G, 1). Workgroup (s, g) takes rows b = g, g + G, … (outputGeometry in
//           src/gpu/ops/output-layer.ts sets G = B: one row each); for each it computes row b's z, loss and
//           dZ (all S workgroups of a row compute the same values in the same order; s = 0
//           writes them) and columns [s·CS, min(C, (s + 1)·CS)) of dH_b. Why: at batch 100 one
//           workgroup per row is fewer workgroups than a large GPU has compute units (an H200
//           has 132); S > 1 fills them (lecun at batch 100: S = 3, 300 workgroups), paid for by
//           recomputing z, K·C multiply-adds from a W that stays in cache. At batch 1000 S = 1.
//           Not for software adapters: llvmpipe runs it 2–12× slower than the unfused
//           dispatches (its scalar loads; the trainer keeps those there).
//           Forward: invocation t < Q·K (Q = WG / K) sums z_b[t mod K] over columns
//           c ≡ t / K (mod Q), so one step of the loop reads Q·K consecutive floats of W
//           (coalesced); the Q partial sums per class are added in order by invocation k.
//           Softmax: every invocation reduces the K values in shared memory itself (K is small).
//           Backward: invocation t takes columns c = s·CS + t, + WG, …: K multiply-adds each.
// Overrides: WG (≥ K, ≤ maxComputeInvocationsPerWorkgroup), LOSS (0, 1), ACT_OUT (LOSS 1's
//            output activation), ACT_PREV (the previous layer's activation), BACKWARD (bool),
//            DROPOUT (bool, with BACKWARD).
// Constraints: 1 ≤ K ≤ WG; G ≤ 65535.
// #include activations
// #include optimizer
// #include step
// #include hash
// #include row_loss

struct Dims {
  B: u32, C: u32, K: u32, S: u32,
  CS: u32, G: u32, seed: u32, layer: u32,
  threshold: u32, scale: f32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<storage, read> h: array<f32>;
@group(0) @binding(1) var<storage, read> wb: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> dZ: array<f32>;
@group(0) @binding(5) var<storage, read_write> dH: array<f32>;
@group(0) @binding(6) var<storage, read_write> rowStats: array<vec2<f32>>;
@group(0) @binding(7) var<uniform> opt: Optimizer;
@group(0) @binding(8) var<uniform> dims: Dims;

override WG: u32 = 64u;
override LOSS: u32 = 0u;
override ACT_OUT: u32 = 0u;
override ACT_PREV: u32 = 0u;
override BACKWARD: bool = true;
override DROPOUT: bool = false;

var<workgroup> partial: array<f32, WG>;
var<workgroup> zs: array<f32, WG>;
var<workgroup> dzs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let s = wid.x;
  if (s >= dims.S) { return; }
  let t = lid.x;
  let C = dims.C;
  let K = dims.K;
  // Rows b ≡ wid.y (mod G). No barrier is needed between rows: shared values are rewritten
  // only after the next row's first or second barrier, which every invocation reaches only
  // once it has finished reading them.
  for (var b = wid.y; b < dims.B; b += dims.G) {
    oneRow(s, t, b, C, K);
  }
}

fn oneRow(s: u32, t: u32, b: u32, C: u32, K: u32) {
  let hRow = b * C;
  let row = b * K;

  // z_b: Q partial sums per class, then their ordered total plus the bias.
  let Q = WG / K;
  var acc = 0.0;
  if (t < Q * K) {
    let n = t % K;
    for (var c = t / K; c < C; c += Q) { acc += h[hRow + c] * wb[c * K + n]; }
  }
  partial[t] = acc;
  workgroupBarrier();
  if (t < K) {
    var z = wb[C * K + t];
    for (var q = 0u; q < Q; q++) { z += partial[t + q * K]; }
    zs[t] = select(z, activate(z, ACT_OUT), LOSS == 1u);
  }
  workgroupBarrier();

  // The row's argmax and (cross-entropy) softmax normaliser, by every invocation alike
  // (on a GPU as fast as one invocation doing it, and no barrier).
  let best = rowArgmax(b, K);
  let mx = zs[best];
  var sum = 0.0;
  if (LOSS == 0u) { sum = rowExpSum(b, K, mx); }
  let y = labels[b];
  let invB = 1.0 / f32(dims.B);
  if (t < K) {
    let v = zs[t];
    let onehot = select(0.0, 1.0, t == y);
    var g: f32;
    if (LOSS == 0u) {
      g = (exp(v - mx) / sum - onehot) * invB;
    } else {
      g = (v - onehot) * activationGrad(v, ACT_OUT) * invB;
    }
    dzs[t] = g;
    if (s == 0u) {
      out[row + t] = v;
      dZ[row + t] = g;
    }
  }
  if (s == 0u && t == 0u) {
    var loss: f32;
    if (LOSS == 0u) { loss = crossEntropy(b, y, mx, sum); } else { loss = quadratic(b, K, y); }
    rowStats[step.index * dims.B + b] = vec2<f32>(loss, select(0.0, 1.0, best == y));
  }
  if (BACKWARD) {
    workgroupBarrier();
    // dH_b's columns of this slice: (dZ_b · Wᵀ) ⊙ ACT_PREV'(h_b).
    let end = min(C, (s + 1u) * dims.CS);
    for (var c = s * dims.CS + t; c < end; c += WG) {
      var d = 0.0;
      for (var k = 0u; k < K; k++) { d += dzs[k] * wb[c * K + k]; }
      var v = d * activationGrad(h[hRow + c], ACT_PREV);
      if (DROPOUT) { v = select(0.0, v * dims.scale, kept(hRow + c)); }
      dH[hRow + c] = v;
    }
  }
}

// dropout.wgsl's mask: whether unit i of the previous layer was kept in this step's forward pass.
fn kept(i: u32) -> bool {
  let t = opt.t0 + step.index + 1u;
  return pcgHash(dims.seed ^ pcgHash(dims.layer ^ pcgHash(t ^ pcgHash(i)))) >= dims.threshold;
}

// Row b's z (or a) as oneRow left it in shared memory, for lib/row_loss.wgsl.
fn lossInput(b: u32, k: u32) -> f32 { return zs[k]; }
