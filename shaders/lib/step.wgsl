// The mini-batch a dispatch belongs to; spliced in where a kernel says `// #include step`.
// One 256-byte slot per step in one uniform buffer, chosen by a dynamic offset when the
// step is encoded, so no bytes are written to the GPU per mini-batch.
struct Step {
  index: u32, // mini-batch number within the epoch (row of the stats buffer)
  start: u32, // first position in the index list
}
@group(1) @binding(0) var<uniform> step: Step;
