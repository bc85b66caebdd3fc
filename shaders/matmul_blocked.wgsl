// matmul_blocked: register blocking without shared memory. Each invocation computes a
// 4 × 4 block of outputs, rows 4·y .. 4·y+3 and columns
// 4·x .. 4·x+3, reusing every loaded A value 4 times and every B value 4 times. No
// barriers, which suits CPU-backed adapters (llvmpipe, SwiftShader) where the caches do
// what shared memory does on a GPU.
//
//   out (M, N) = epilogue(op(A) · op(B)), see lib/matmul_common.wgsl.
// Bindings: 0 a (read), 1 b (read), 2 aux (read), 3 out (read_write, M·N), 4 dims (uniform).
// Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y)), slices).
// Overrides: WG_X, WG_Y, TRANS_A, TRANS_B, MODE, ACT, SPLIT.
// #include activations
// #include matmul_common
// #include matmul_split

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
const R = 4u;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * R;
  let m0 = gid.y * R;
  if (m0 >= dims.M || n0 >= dims.N) { return; }
  let kr = kRange(gid.z);
  var acc: array<vec4<f32>, 4>;
  // Clamp indices of the ragged edge so loads stay in bounds; their results are not stored.
  let mLast = dims.M - 1u;
  let nLast = dims.N - 1u;
  let m = vec4<u32>(min(m0, mLast), min(m0 + 1u, mLast), min(m0 + 2u, mLast), min(m0 + 3u, mLast));
  let n = vec4<u32>(min(n0, nLast), min(n0 + 1u, nLast), min(n0 + 2u, nLast), min(n0 + 3u, nLast));
  for (var k = kr.x; k < kr.y; k++) {
    let bv = vec4<f32>(loadB(k, n.x), loadB(k, n.y), loadB(k, n.z), loadB(k, n.w));
    acc[0] += loadA(m.x, k) * bv;
    acc[1] += loadA(m.y, k) * bv;
    acc[2] += loadA(m.z, k) * bv;
    acc[3] += loadA(m.w, k) * bv;
  }
  for (var i = 0u; i < R; i++) {
    if (m0 + i >= dims.M) { break; }
    for (var j = 0u; j < R; j++) {
      if (n0 + j >= dims.N) { break; }
      finish(m0 + i, n0 + j, acc[i][j]);
    }
  }
}
