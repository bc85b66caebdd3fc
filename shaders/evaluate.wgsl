// evaluate: per-row prediction and loss of the network's output, for validation and test.
//
//   preds[offset + b] = argmax_k out[b, k]
//   rowLoss[offset + b] = cross-entropy of softmax(out_b) (LOSS 0) or ½‖out_b − onehot(y_b)‖² (LOSS 1)
// Bindings: 0 out (read, (B, K)), 1 labels (read, u32 (B)), 2 preds (read_write, u32),
//           3 rowLoss (read_write, f32), 4 dims (uniform: B, K, offset).
// Dispatch: ceil(B / WG) workgroups; one invocation per row.
// Overrides: WG, LOSS (codes.ts LOSS_CODE).
// #include row_loss

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
  let y = labels[r];
  let best = rowArgmax(r, dims.K);
  let loss = lossOfRow(r, dims.K, y, best, LOSS);
  preds[dims.offset + r] = best;
  rowLoss[dims.offset + r] = loss;
}

fn lossInput(b: u32, k: u32) -> f32 { return outputs[b * dims.K + k]; }
