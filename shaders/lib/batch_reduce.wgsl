// Workgroup sum of each invocation's pair of values (a loss kernel's (loss, correct), batch
// normalization's per-channel sums); spliced in where a kernel says
// `// #include batch_reduce`. The kernel declares `override WG: u32` (a power of two).
var<workgroup> partial: array<vec2<f32>, WG>;

// Every invocation must call this (it synchronises); returns the total to every invocation.
// A second call must follow a workgroupBarrier(), once every invocation has read the first total.
fn workgroupSum(t: u32, v: vec2<f32>) -> vec2<f32> {
  partial[t] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) { partial[t] += partial[t + stride]; }
    workgroupBarrier();
  }
  return partial[0];
}
