// matmul_naive: one invocation per output element; the algorithmic reference and fallback.
//
//   out (M, N) = epilogue(op(A) · op(B)), see lib/matmul_common.wgsl for the operand
//   layouts, MODE (forward / backward input / backward weight) and ACT.
// Bindings: 0 a (read), 1 b (read), 2 aux (read), 3 out (read_write, M·N), 4 dims (uniform).
// Dispatch: (ceil(N / WG_X), ceil(M / WG_Y), slices); invocation (x, y) computes out[y, x].
// Overrides: WG_X, WG_Y (WG_X·WG_Y ≤ maxComputeInvocationsPerWorkgroup), TRANS_A, TRANS_B, MODE, ACT, SPLIT.
// #include activations
// #include matmul_common
// #include matmul_split

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let m = gid.y;
  if (m >= dims.M || n >= dims.N) { return; }
  let kr = kRange(gid.z);
  var acc = 0.0;
  for (var k = kr.x; k < kr.y; k++) {
    acc += loadA(m, k) * loadB(k, n);
  }
  finish(m, n, acc);
}
