// augment_gather: gather_batch with each training image transformed on the way: a random
// affine map and/or an elastic displacement, bilinear sampling, 0 outside the image. Every
// channel of an image gets the same transform. Validation and test batches never come here.
//
//   i = indices[step.start + b],  p = (x, y),  c0 = ((W − 1) / 2, (H − 1) / 2)
//   q = p + field[b, y, x]                                (elastic; q = p without it)
//   s = c0 + A⁻¹ (q − c0 − t),  A = R(θ) · Shear(φ) · s·I  (affine; s = q without it)
//     θ, s, φ, t = (tx, ty) drawn uniformly in [lo, hi] from u(i, 0..4) (lib/augment_common.wgsl)
//   x[b, y, x, c] = bilinear(images[i, ·, ·, c] / 255, s),  y[b] = labels[i]
// A⁻¹ = (1/s) · [[1, −tan φ], [0, 1]] · R(−θ), R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]] in
// image coordinates (x right, y down): a positive θ turns the image clockwise on screen.
// Images and batch are channels last (H, W, C), the engine's layout (Split.images is planar;
// the trainers convert once, channelsLast in src/data/dataset.ts).
// Bindings: 0 images (read, u32 words of N·H·W·C bytes), 1 labels (read, u32 words of N bytes),
//           2 indices (read, u32), 3 field (read, vec2<f32> (B, H, W); unread without elastic),
//           4 x (read_write, (B, H·W·C)), 5 y (read_write, u32 (B)), 6 opt (uniform Optimizer: t0),
//           7 d (uniform AugmentDims); group 1: step.
// Dispatch: flat over B·H·W·C, folded into x and y. Overrides: WG.
// #include hash
// #include optimizer
// #include step
// #include augment_common

@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> labelBytes: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> field: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<u32>;
@group(0) @binding(6) var<uniform> opt: Optimizer;
@group(0) @binding(7) var<uniform> d: AugmentDims;

override WG: u32 = 256u;

fn byteAt(word: u32, byteIndex: u32) -> u32 {
  return (word >> ((byteIndex & 3u) * 8u)) & 0xffu;
}

// Pixel (row, col) of channel c of the image whose first byte is `base`, scaled to [0, 1]; 0 outside the image.
fn pixel(base: u32, c: u32, row: i32, col: i32) -> f32 {
  if (row < 0 || col < 0 || row >= i32(d.H) || col >= i32(d.W)) { return 0.0; }
  let k = base + (u32(row) * d.W + u32(col)) * d.C + c;
  return f32(byteAt(images[k / 4u], k)) / 255.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * WG;
  let HW = d.H * d.W;
  let P = d.C * HW;
  if (e >= d.B * P) { return; }
  let b = e / P;
  let pix = (e % P) / d.C;
  let c = e % d.C;
  let i = indices[step.start + b];
  var q = vec2<f32>(f32(pix % d.W), f32(pix / d.W));
  if (d.elastic != 0u) { q += field[b * HW + pix]; }
  if (d.affine != 0u) {
    let key = augmentKey(i, augmentEpoch(opt.t0));
    let theta = augmentRange(key, 0u, d.rotateLo, d.rotateHi);
    let scale = augmentRange(key, 1u, d.scaleLo, d.scaleHi);
    let shear = augmentRange(key, 2u, d.shearLo, d.shearHi);
    let t = vec2<f32>(augmentRange(key, 3u, d.shiftLo, d.shiftHi), augmentRange(key, 4u, d.shiftLo, d.shiftHi));
    let c0 = vec2<f32>(f32(d.W - 1u), f32(d.H - 1u)) * 0.5;
    let v = q - c0 - t;
    let co = cos(theta);
    let si = sin(theta);
    let r = vec2<f32>(co * v.x + si * v.y, co * v.y - si * v.x);
    q = c0 + vec2<f32>(r.x - tan(shear) * r.y, r.y) / scale;
  }
  let x0 = floor(q.x);
  let y0 = floor(q.y);
  let fx = q.x - x0;
  let fy = q.y - y0;
  let col = i32(x0);
  let row = i32(y0);
  let base = i * P;
  x[e] = (pixel(base, c, row, col) * (1.0 - fx) + pixel(base, c, row, col + 1) * fx) * (1.0 - fy) +
    (pixel(base, c, row + 1, col) * (1.0 - fx) + pixel(base, c, row + 1, col + 1) * fx) * fy;
  if (e % P == 0u) { y[b] = byteAt(labelBytes[i / 4u], i); }
}
