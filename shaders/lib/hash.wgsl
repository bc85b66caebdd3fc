// A counter-based random number: the PCG output permutation of one 32-bit word (O'Neill
// 2014, "RXS M XS"), chained to mix several keys. src/cpu/dropout.ts computes the same bits.
fn pcgHash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
