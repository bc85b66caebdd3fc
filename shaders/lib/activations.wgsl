// Shared by kernels that apply or differentiate an activation; spliced in where a kernel
// says `// #include activations` (src/gpu/shader-library.ts). Mirrors src/cpu/activations.ts.
// ACT codes: 0 identity, 1 relu, 2 sigmoid, 3 tanh, 4 softplus, 5 step (src/model/spec.ts).

fn activate(z: f32, act: u32) -> f32 {
  switch act {
    case 1u: { return max(z, 0.0); }
    case 2u: { return 1.0 / (1.0 + exp(-z)); }
    case 3u: { return tanh(clamp(z, -15.0, 15.0)); }
    case 4u: { if (z > 15.0) { return z; } return log(1.0 + exp(z)); }
    case 5u: { return select(0.0, 1.0, z > 0.0); }
    default: { return z; }
  }
}

// f'(z) written through the output a = f(z).
fn activationGrad(a: f32, act: u32) -> f32 {
  switch act {
    case 1u: { return select(0.0, 1.0, a > 0.0); }
    case 2u: { return a * (1.0 - a); }
    case 3u: { return 1.0 - a * a; }
    case 4u: { return 1.0 - exp(-a); }
    default: { return 1.0; } // identity, and step's straight-through (perceptron) rule
  }
}

fn activate4(z: vec4<f32>, act: u32) -> vec4<f32> {
  return vec4(activate(z.x, act), activate(z.y, act), activate(z.z, act), activate(z.w, act));
}

fn activationGrad4(a: vec4<f32>, act: u32) -> vec4<f32> {
  return vec4(activationGrad(a.x, act), activationGrad(a.y, act), activationGrad(a.z, act), activationGrad(a.w, act));
}
