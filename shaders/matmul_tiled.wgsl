// matmul_tiled: workgroup tiling through shared memory plus 4 × 4 register blocking, the
// usual shape for discrete GPUs. A workgroup computes a (4·WG_Y) × (4·WG_X) tile of out,
// stepping through K in slices of TK: all invocations stage a slice of op(A) and op(B) in
// workgroup memory, synchronise, then accumulate from there. Invocation (x, y) owns rows
// tileM + y + i·WG_Y and columns tileN + x + j·WG_X (i, j < 4): neighbours read
// neighbouring shared words.
//
//   out (M, N) = epilogue(op(A) · op(B)), see lib/matmul_common.wgsl.
// Bindings: 0 a (read), 1 b (read), 2 aux (read), 3 out (read_write, M·N), 4 dims (uniform).
// Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y)), slices).
// Overrides: WG_X, WG_Y (workgroup memory 4·TK·4·(WG_X + WG_Y) bytes: 8 KiB at 16 × 16; the
//            `tiled32` variant runs this kernel at 8 × 8, 32 × 32 tiles, 4 KiB),
//            TRANS_A, TRANS_B, MODE, ACT, SPLIT.
// #include activations
// #include matmul_common
// #include matmul_split

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
const R = 4u;
const TK = 16u;
override TILE_M: u32 = R * WG_Y;
override TILE_N: u32 = R * WG_X;

var<workgroup> As: array<f32, TK * TILE_M>; // As[k·TILE_M + m]
var<workgroup> Bs: array<f32, TK * TILE_N>; // Bs[k·TILE_N + n]

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tileM = wid.y * TILE_M;
  let tileN = wid.x * TILE_N;
  let t = lid.y * WG_X + lid.x;
  let T = WG_X * WG_Y;
  var acc: array<vec4<f32>, 4>;
  let kr = kRange(wid.z);
  for (var k0 = kr.x; k0 < kr.y; k0 += TK) {
    for (var i = t; i < TK * TILE_M; i += T) {
      let kk = i % TK;
      let mm = i / TK;
      let m = tileM + mm;
      let k = k0 + kk;
      As[kk * TILE_M + mm] = select(0.0, loadA(min(m, dims.M - 1u), min(k, dims.K - 1u)), m < dims.M && k < dims.K);
    }
    for (var i = t; i < TK * TILE_N; i += T) {
      let nn = i % TILE_N;
      let kk = i / TILE_N;
      let n = tileN + nn;
      let k = k0 + kk;
      Bs[kk * TILE_N + nn] = select(0.0, loadB(min(k, dims.K - 1u), min(n, dims.N - 1u)), n < dims.N && k < dims.K);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bv = vec4<f32>(
        Bs[kk * TILE_N + lid.x],
        Bs[kk * TILE_N + lid.x + WG_X],
        Bs[kk * TILE_N + lid.x + 2u * WG_X],
        Bs[kk * TILE_N + lid.x + 3u * WG_X],
      );
      acc[0] += As[kk * TILE_M + lid.y] * bv;
      acc[1] += As[kk * TILE_M + lid.y + WG_Y] * bv;
      acc[2] += As[kk * TILE_M + lid.y + 2u * WG_Y] * bv;
      acc[3] += As[kk * TILE_M + lid.y + 3u * WG_Y] * bv;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < R; i++) {
    let m = tileM + lid.y + i * WG_Y;
    for (var j = 0u; j < R; j++) {
      let n = tileN + lid.x + j * WG_X;
      if (m < dims.M && n < dims.N) { finish(m, n, acc[i][j]); }
    }
  }
}
