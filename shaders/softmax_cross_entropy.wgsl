// softmax_cross_entropy: softmax, cross-entropy loss and its gradient in one pass.
//
//   p = softmax(z) row-wise, the row max subtracted before exp
//   loss_b = log Σ_k exp(z_bk − max_b) − (z_by − max_b)
//   dLogits = (p − onehot(y)) / B
//   stats[step.index] = (Σ_b loss_b, #rows with argmax z_b = y_b)
// Bindings: 0 logits (read, (B, K)), 1 labels (read, u32 (B)), 2 dLogits (read_write, (B, K)),
//           3 stats (read_write, vec2 per step), 4 dims (uniform); group 1: step (uniform, dynamic offset).
// Dispatch: (1, 1, 1): one workgroup loops over the rows (B·K is small) so the batch's
//           totals are reduced without atomics, deterministically.
// Overrides: WG (power of two, ≤ maxComputeInvocationsPerWorkgroup).
// #include step
// #include row_loss

struct Dims { B: u32, K: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> dims: Dims;

override WG: u32 = 128u;
// #include batch_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let K = dims.K;
  let invB = 1.0 / f32(dims.B);
  var mine = vec2<f32>(0.0, 0.0);
  for (var r = t; r < dims.B; r += WG) {
    let row = r * K;
    let best = rowArgmax(r, K);
    let mx = logits[row + best];
    let sum = rowExpSum(r, K, mx);
    let y = labels[r];
    mine += vec2<f32>(crossEntropy(r, y, mx, sum), select(0.0, 1.0, best == y));
    for (var k = 0u; k < K; k++) {
      let p = exp(logits[row + k] - mx) / sum;
      dLogits[row + k] = (p - select(0.0, 1.0, k == y)) * invB;
    }
  }
  let total = workgroupSum(t, mine);
  if (t == 0u) { stats[step.index] = total; }
}

fn lossInput(b: u32, k: u32) -> f32 { return logits[b * dims.K + k]; }
