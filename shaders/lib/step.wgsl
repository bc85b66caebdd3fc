// The mini-batch a dispatch belongs to; spliced in where a kernel says `// #include step`.
// One 256-byte slot per step in one uniform buffer, chosen by a dynamic offset when the
// step is encoded, so no bytes are written to the GPU per mini-batch: the slots' rates go
// up once per epoch, with the epoch's shuffled order.
struct Step {
  index: u32, // mini-batch number within the epoch (row of the stats buffer)
  start: u32, // first position in the index list
  lr: f32,    // this mini-batch's learning rate (src/train/schedule.ts); 0 in evaluation slots
}
@group(1) @binding(0) var<uniform> step: Step;
