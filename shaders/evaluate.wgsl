// evaluate: per-row prediction and loss of the network's output, for validation and test.
//
//   preds[offset + b] = argmax_k out[b, k]
//   rowLoss[offset + b] = cross-entropy of softmax(out_b) (LOSS 0) or ½‖out_b − onehot(y_b)‖² (LOSS 1)
// Bindings: 0 out (read, (B, K)), 1 labels (read, u32 (B)), 2 preds (read_write, u32),
//           3 rowLoss (read_write, f32), 4 dims (uniform: B, K, offset).
// Dispatch: ceil(B / WG) workgroups; one invocation per row.
// Overrides: WG, LOSS.

struct Dims { B: u32, K: u32, offset: u32, _pad0: u32 }

@group(0) @binding(0) var<storage, read> outputs: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> preds: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override WG: u32 = 64u;
override LOSS: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= dims.B) { return; }
  let row = r * dims.K;
  let y = labels[r];
  var best = 0u;
  for (var k = 1u; k < dims.K; k++) {
    if (outputs[row + k] > outputs[row + best]) { best = k; }
  }
  var loss = 0.0;
  if (LOSS == 0u) {
    let mx = outputs[row + best];
    var sum = 0.0;
    for (var k = 0u; k < dims.K; k++) { sum += exp(outputs[row + k] - mx); }
    loss = log(sum) - (outputs[row + y] - mx);
  } else {
    for (var k = 0u; k < dims.K; k++) {
      let diff = outputs[row + k] - select(0.0, 1.0, k == y);
      loss += 0.5 * diff * diff;
    }
  }
  preds[dims.offset + r] = best;
  rowLoss[dims.offset + r] = loss;
}
