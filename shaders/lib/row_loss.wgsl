// The per-row loss of an output row z_b (K values): one definition for the four kernels
// that write it (evaluate, softmax_cross_entropy, quadratic_cost, output_layer), which must
// agree bit for bit for GPU-vs-CPU parity (CPU twin: src/cpu/loss.ts).
// Contract: the including kernel defines `fn lossInput(b: u32, k: u32) -> f32`, value k of
// row b (logits, or the output activation's values for the quadratic cost).
//
//   rowArgmax:     the first k with the largest z_bk
//   rowExpSum:     Σ_k exp(z_bk − mx), mx = the row max (subtracted before exp)
//   crossEntropy:  log Σ_k exp(z_bk − mx) − (z_by − mx)
//   quadratic:     ½ ‖z_b − onehot(y)‖²
//   lossOfRow:     the loss of LOSS code `loss` (codes.ts LOSS_CODE: 0 cross-entropy, 1 quadratic)

fn rowArgmax(b: u32, K: u32) -> u32 {
  var best = 0u;
  for (var k = 1u; k < K; k++) {
    if (lossInput(b, k) > lossInput(b, best)) { best = k; }
  }
  return best;
}

fn rowExpSum(b: u32, K: u32, mx: f32) -> f32 {
  var sum = 0.0;
  for (var k = 0u; k < K; k++) { sum += exp(lossInput(b, k) - mx); }
  return sum;
}

fn crossEntropy(b: u32, y: u32, mx: f32, sum: f32) -> f32 {
  return log(sum) - (lossInput(b, y) - mx);
}

fn quadratic(b: u32, K: u32, y: u32) -> f32 {
  var loss = 0.0;
  for (var k = 0u; k < K; k++) {
    let diff = lossInput(b, k) - select(0.0, 1.0, k == y);
    loss += 0.5 * diff * diff;
  }
  return loss;
}

fn lossOfRow(b: u32, K: u32, y: u32, best: u32, loss: u32) -> f32 {
  if (loss == 0u) {
    let mx = lossInput(b, best);
    return crossEntropy(b, y, mx, rowExpSum(b, K, mx));
  }
  return quadratic(b, K, y);
}
