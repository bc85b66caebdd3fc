// Augmentation's uniform and its random draws (augment_noise, augment_field_rows,
// augment_field_cols, augment_gather); spliced in where a kernel says
// `// #include augment_common`. CPU twin: src/cpu/augment.ts. Needs `// #include hash`
// before it and a uniform `d: AugmentDims`.
//
// Every draw is a counter-based hash of (seed, epoch, image, slot), as dropout's masks are:
//   key(i)     = pcgHash(i ^ pcgHash(epoch ^ pcgHash(seed)))
//   u(i, slot) = (pcgHash(key(i) ^ pcgHash(slot)) >> 8) / 2²⁴   in [0, 1)
// i is the image's index in the training split (not its place in the mini-batch), epoch the
// 1-based epoch (Optimizer.t0 / stepsPerEpoch + 1), so an image is transformed afresh each
// epoch and a resumed run or the CPU reference draws the same; an image's key is hashed once,
// each draw then costs two hashes. Slots 0–4: the affine transform's rotation, scale, shear,
// x and y shift; slot 8 + 2·(y·W + x) + k: elastic noise of pixel (y, x), component k (0: dx, 1: dy).

struct AugmentDims {
  B: u32, C: u32, H: u32, W: u32,
  seed: u32, stepsPerEpoch: u32, affine: u32, elastic: u32,
  rotateLo: f32, rotateHi: f32, scaleLo: f32, scaleHi: f32,
  shearLo: f32, shearHi: f32, shiftLo: f32, shiftHi: f32,
  // Elastic: the Gaussian's truncation radius R = ceil(3σ) (its 2R + 1 weights are a buffer), the field's scale α.
  radius: u32, alpha: f32, _p0: u32, _p1: u32,
}

const AFFINE_SLOTS = 8u;

// The 1-based epoch of a training step, from the steps taken before its epoch (Optimizer.t0).
fn augmentEpoch(t0: u32) -> u32 {
  return t0 / d.stepsPerEpoch + 1u;
}

fn augmentKey(i: u32, epoch: u32) -> u32 {
  return pcgHash(i ^ pcgHash(epoch ^ pcgHash(d.seed)));
}

fn augmentUniform(key: u32, slot: u32) -> f32 {
  return f32(pcgHash(key ^ pcgHash(slot)) >> 8u) * (1.0 / 16777216.0);
}

fn augmentRange(key: u32, slot: u32, lo: f32, hi: f32) -> f32 {
  return lo + augmentUniform(key, slot) * (hi - lo);
}
