// quadratic_cost: Nielsen's quadratic cost and its gradient through the output activation.
//
//   loss_b = ½ Σ_k (a_bk − onehot(y_b)_k)²,  a = ACT(z) the last layer's output
//   dZ = (a − onehot(y)) ⊙ ACT'(a) / B
//   stats[step.index] = (Σ_b loss_b, #rows with argmax a_b = y_b)
// Bindings: 0 a (read, (B, K)), 1 labels (read, u32 (B)), 2 dZ (read_write, (B, K)),
//           3 stats (read_write, vec2 per step), 4 dims (uniform); group 1: step (uniform, dynamic offset).
// Dispatch: (1, 1, 1), one workgroup looping over the rows (deterministic totals, no atomics).
// Overrides: WG (power of two), ACT (the output activation).
// #include activations
// #include step
// #include row_loss

struct Dims { B: u32, K: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<storage, read> act: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> dZ: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> dims: Dims;

override WG: u32 = 128u;
override ACT: u32 = 2u;
// #include batch_reduce

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let K = dims.K;
  let invB = 1.0 / f32(dims.B);
  var mine = vec2<f32>(0.0, 0.0);
  for (var r = t; r < dims.B; r += WG) {
    let row = r * K;
    let y = labels[r];
    let best = rowArgmax(r, K);
    for (var k = 0u; k < K; k++) {
      let av = act[row + k];
      dZ[row + k] = (av - select(0.0, 1.0, k == y)) * activationGrad(av, ACT) * invB;
    }
    mine += vec2<f32>(quadratic(r, K, y), select(0.0, 1.0, best == y));
  }
  let total = workgroupSum(t, mine);
  if (t == 0u) { stats[step.index] = total; }
}

fn lossInput(b: u32, k: u32) -> f32 { return act[b * dims.K + k]; }
