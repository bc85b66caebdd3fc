// Sizes of one batched max or average pooling (channels last, NHWC), shared by
// maxpool_forward, maxpool_backward, avgpool_forward and avgpool_backward; spliced in where
// a kernel says `// #include pool_common`. Override constants (each layer its own pipeline,
// divisions by constants), the batch size B from the uniform. src/gpu/ops/pool.ts and
// src/gpu/ops/avgpool.ts set them.
//   input (B, H, W, C), K × K windows, stride S, padding P (never the maximum; zeros in a
//   mean), output (B, OH, OW, C) with OH = (H + 2P − K)/S + 1 (floor).
override C: u32;
override H: u32;
override W: u32;
override K: u32;
override S: u32;
override P: u32;
override OH: u32;
override OW: u32;

struct PoolDims { B: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

// The outputs whose window covers input pixel (y, x), as (oy0, ox0, oy1, ox1) inclusive
// (empty when oy0 > oy1): oy·S − P ≤ y ≤ oy·S − P + K − 1, i.e.
// ⌈(y + P − K + 1) / S⌉ ≤ oy ≤ ⌊(y + P) / S⌋, clipped to the output. CPU twin:
// coveringOutputs in src/cpu/pool.ts.
fn coveringOutputs(y: u32, x: u32) -> vec4<i32> {
  let ylo = i32(y + P) - i32(K) + 1;
  let xlo = i32(x + P) - i32(K) + 1;
  let Si = i32(S);
  let oy0 = select(0, (ylo + Si - 1) / Si, ylo > 0);
  let ox0 = select(0, (xlo + Si - 1) / Si, xlo > 0);
  let oy1 = min(i32(OH) - 1, i32(y + P) / Si);
  let ox1 = min(i32(OW) - 1, i32(x + P) / Si);
  return vec4<i32>(oy0, ox0, oy1, ox1);
}

// The cell of inputs output (oy, ox) owns when windows do not overlap (S ≥ K), as
// (y0, x0, y1, x1), ends exclusive: from its window's corner oy·S − P to the next one's,
// the first from 0 and the last to the image's edge, clipped to the image. The cells tile
// the image. CPU twin: poolCell in src/cpu/pool.ts.
fn poolCell(oy: u32, ox: u32) -> vec4<u32> {
  return vec4<u32>(cellStart(oy, H, OH), cellStart(ox, W, OW), cellStart(oy + 1u, H, OH), cellStart(ox + 1u, W, OW));
}

// Where output o's cell starts along an axis of n inputs and count outputs (o = count: the end).
fn cellStart(o: u32, n: u32, count: u32) -> u32 {
  if (o == 0u) { return 0u; }
  if (o >= count) { return n; }
  return u32(clamp(i32(o * S) - i32(P), 0, i32(n)));
}
