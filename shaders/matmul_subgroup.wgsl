// matmul_subgroup: K split across the invocations of a workgroup, summed with subgroupAdd,
// for the small-M matmuls of a dense layer on GPUs, where one output per invocation (or a
// register block) leaves most compute units idle. A workgroup of WG_X invocations computes
// one TM × TN block of out (rows m0 .. m0+3, columns n0 .. n0+7); invocation t accumulates
// the products of k = t, t + WG_X, t + 2·WG_X, … (neighbouring invocations read neighbouring k,
// so A's rows (and Bᵀ's with TRANS_B) load coalesced), then subgroupAdd sums each subgroup's
// partial block in registers, one elected invocation per subgroup stores it in workgroup
// memory, and after one barrier the first TM·TN invocations add the subgroups' blocks and
// apply the epilogue.
//
//   out (M, N) = epilogue(op(A) · op(B)), with the MODE/ACT/TRANS semantics of
//   lib/matmul_common.wgsl (forward with bias row, backward input ⊙ act'(aux), backward
//   weight with the ones row, backward weight with the SGD step).
// Bindings: 0 a (read), 1 b (read), 2 aux (read), 3 out (read_write, M·N), 4 dims (uniform).
// Dispatch: (ceil(N / TN), ceil(M / TM), slices); workgroup (x, y) computes rows y·TM …, columns x·TN …
//   (over slice z of k with SPLIT, lib/matmul_common.wgsl).
// Overrides: WG_X (invocations per workgroup, any value ≤ maxComputeInvocationsPerWorkgroup;
//   workgroup memory 4·TM·TN·WG_X + 4 bytes: 8 KiB at 64), WG_Y (must be 1), TRANS_A,
//   TRANS_B, MODE, ACT, SPLIT.
// Constraints: the device has the `subgroups` feature (src/gpu/matmul-plans.ts refuses the variant
//   otherwise); ceil(M / TM) ≤ maxComputeWorkgroupsPerDimension (ops.ts hands taller
//   problems, such as im2col rows at batch 1000, to matmul_tiled). No subgroup size is assumed: subgroups are counted in the kernel (an
//   atomic ticket per subgroup), so any size from 1 to WG_X and any partition of the
//   workgroup into subgroups gives the same sums. Every invocation stays alive through
//   subgroupAdd (control flow is uniform up to there): rows, columns and k past the end
//   read clamped indices and contribute zeros or are not written.
//
// Design (H200: 132 compute units, subgroups of 32; AMD 64/32, Intel 8–32):
// - Occupancy. `tiled` gives the lecun forward 100×300·(K = 784) ten 64×64 workgroups for
//   132 units. Here the workgroups are one 4 × 8 block each: ceil(300/8) · ceil(100/4) =
//   38·25 = 950 workgroups of 64 at batch 100 (7.2 per unit, 14 subgroups of 32 per unit),
//   9,500 at batch 1000 (72 per unit: there the reuse of `tiled` should win, and the
//   autotuner picks per shape). Layer 2 (100×100·300): 325; the output layer (100×10·100):
//   50; layer 1's weight gradient (785×300·100): 7,486 workgroups, each lane two k steps.
// - Loads per multiply-add: per k an invocation loads TM values of op(A) and TN of op(B)
//   for TM·TN multiply-adds: 12 loads per 32 (0.375), all from global memory (L1/L2; the
//   784×300 weights fit in L2), no shared-memory staging and one barrier per workgroup.
//   A row-major (forward, backward input) is read by consecutive invocations at
//   consecutive k: each of the TM rows is one coalesced run of WG_X floats; B (K, N) rows
//   give each invocation TN = 8 contiguous floats (one 32-byte sector).
// - Reduction: TM·TN/4 = 8 vec4 subgroupAdds (log2(32) = 5 shuffle steps each on NVIDIA),
//   against ceil(K / WG_X) · TM·TN multiply-adds: 13·32 = 416 at K = 784, 64 at K = 100, where
//   the reduction dominates and another variant should win; then ceil(WG_X / subgroup size)
//   partial blocks (2 at 64 / 32) added from workgroup memory.
// - Why tickets: WGSL does not say which invocations form a subgroup, so
//   local_invocation_index / subgroup_size need not number them; a ticket does, for any size.
// - Not chosen: register tiles sharing A across lanes by subgroupShuffle. It saves loads a
//   GPU already serves as L1 broadcasts, and keeps K serial per invocation, so the lecun
//   forward would still have 100·300 outputs / 32 per invocation ≈ 940 invocations (30
//   subgroups of 32) for 132 units.
// On SwiftShader (CPU) this kernel is 50–270× slower than matmul_vec4; not yet timed on a GPU.
enable subgroups;
// #include activations
// #include matmul_common
// #include matmul_split

override WG_X: u32 = 64u;
override WG_Y: u32 = 1u;
const TM = 4u;
const TN = 8u;
const BLOCK = TM * TN;

// Each subgroup's partial block: part[s · TM·TN/4 + i] holds outputs 4i .. 4i+3 of subgroup
// s (row i / 2, columns 4·(i % 2) ..), for up to WG_X subgroups (subgroups of one invocation).
var<workgroup> part: array<vec4<f32>, WG_X * BLOCK / 4u>;
// Tickets handed out so far (workgroup memory starts zeroed).
var<workgroup> subgroups: atomic<u32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  // The elected invocation takes its subgroup's ticket: subgroups are numbered 0 .. count-1.
  let leader = subgroupElect();
  var ticket = 0u;
  if (leader) { ticket = atomicAdd(&subgroups, 1u); }

  // acc[2i + h]: row m0 + i, columns n0 + 4h .. n0 + 4h + 3.
  var acc: array<vec4<f32>, 2u * TM>;
  let lastM = dims.M - 1u;
  let lastN = dims.N - 1u;
  // This workgroup's range of k: all of K, or slice z of it with SPLIT.
  let kr = kRange(wid.z);
  for (var k0 = kr.x; k0 < kr.y; k0 += WG_X) {
    let k = k0 + t;
    let kk = min(k, kr.y - 1u);
    // Invocations past the range load a valid k and add nothing (zero B values).
    let live = select(0.0, 1.0, k < kr.y);
    let b0 = live * vec4(loadB(kk, min(n0, lastN)), loadB(kk, min(n0 + 1u, lastN)), loadB(kk, min(n0 + 2u, lastN)), loadB(kk, min(n0 + 3u, lastN)));
    let b1 = live * vec4(loadB(kk, min(n0 + 4u, lastN)), loadB(kk, min(n0 + 5u, lastN)), loadB(kk, min(n0 + 6u, lastN)), loadB(kk, min(n0 + 7u, lastN)));
    for (var i = 0u; i < TM; i++) {
      let av = loadA(min(m0 + i, lastM), kk);
      acc[2u * i] += av * b0;
      acc[2u * i + 1u] += av * b1;
    }
  }

  for (var i = 0u; i < 2u * TM; i++) {
    let s = subgroupAdd(acc[i]);
    if (leader) { part[ticket * 2u * TM + i] = s; }
  }
  workgroupBarrier();

  let count = atomicLoad(&subgroups);
  for (var o = t; o < BLOCK; o += WG_X) {
    let m = m0 + o / TN;
    let n = n0 + o % TN;
    let slot = o / 4u;
    var sum = 0.0;
    for (var s = 0u; s < count; s++) { sum += part[s * 2u * TM + slot][o % 4u]; }
    if (m < dims.M && n < dims.N) { finish(m, n, sum); }
  }
}
