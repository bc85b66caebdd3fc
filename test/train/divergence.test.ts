/** When the CLI and the page stop a run whose loss blew up (src/train/divergence.ts). */
import { describe, expect, it } from 'vitest';
import { divergence } from '../../src/train/divergence.ts';

describe('divergence', () => {
  it('is null while every mini-batch loss is finite', () => {
    expect(divergence({ epoch: 1, lr: 0.1, stepLoss: Float32Array.of(2.3, 1.9, 0) })).toBeNull();
  });

  it('names the first mini-batch (from 1) whose loss is NaN or infinite, the epoch and the learning rate', () => {
    expect(divergence({ epoch: 3, lr: 50, stepLoss: Float32Array.of(2.3, Infinity, NaN) })).toBe(
      'Training diverged: the loss became Infinity at mini-batch 2 of epoch 3. Try a smaller learning rate (now 50).',
    );
    expect(divergence({ epoch: 1, lr: 0.5, stepLoss: Float32Array.of(NaN) })).toMatch(/became NaN at mini-batch 1 of epoch 1\./);
  });
});
