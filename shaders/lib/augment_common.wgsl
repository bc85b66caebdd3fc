// Augmentation's uniform and its random draws (augment_field_rows, augment_field_cols,
// augment_gather); spliced in where a kernel says `// #include augment_common`. CPU twin:
// src/cpu/augment.ts. Needs `// #include hash` before it and a uniform `d: AugmentDims`.
//
// Every draw is a counter-based hash of (seed, epoch, image, slot), as dropout's masks are:
//   u(i, slot) = (pcgHash(seed ^ pcgHash(epoch ^ pcgHash(i ^ pcgHash(slot)))) >> 8) / 2²⁴   in [0, 1)
// i is the image's index in the training split (not its place in the mini-batch), epoch the
// 1-based epoch (opt.t0 / stepsPerEpoch + 1), so an image is transformed afresh each epoch
// and a resumed run or the CPU reference draws the same. Slots 0–4: the affine transform's
// rotation, scale, shear, x and y shift; slot 8 + 2·(y·W + x) + k: elastic noise of pixel
// (y, x), component k (0: dx, 1: dy).

struct AugmentDims {
  B: u32, C: u32, H: u32, W: u32,
  seed: u32, stepsPerEpoch: u32, affine: u32, elastic: u32,
  rotateLo: f32, rotateHi: f32, scaleLo: f32, scaleHi: f32,
  shearLo: f32, shearHi: f32, shiftLo: f32, shiftHi: f32,
  // Elastic: the Gaussian's σ and its truncation radius ceil(3σ), the field's scale α.
  sigma: f32, radius: u32, alpha: f32, _p0: u32,
}

const AFFINE_SLOTS = 8u;

// The 1-based epoch of a training step, from the steps taken before its epoch (Optimizer.t0).
fn augmentEpoch(t0: u32) -> u32 {
  return t0 / d.stepsPerEpoch + 1u;
}

fn augmentUniform(i: u32, epoch: u32, slot: u32) -> f32 {
  let r = pcgHash(d.seed ^ pcgHash(epoch ^ pcgHash(i ^ pcgHash(slot))));
  return f32(r >> 8u) * (1.0 / 16777216.0);
}

fn augmentRange(i: u32, epoch: u32, slot: u32, lo: f32, hi: f32) -> f32 {
  return lo + augmentUniform(i, epoch, slot) * (hi - lo);
}

// Unnormalised Gaussian weight of offset k.
fn gaussWeight(k: i32) -> f32 {
  let t = f32(k);
  return exp(-(t * t) / (2.0 * d.sigma * d.sigma));
}

// Σ of the weights over −radius..radius (the smoothing divides by it).
fn gaussNorm() -> f32 {
  var s = 0.0;
  let r = i32(d.radius);
  for (var k = -r; k <= r; k++) { s += gaussWeight(k); }
  return s;
}
