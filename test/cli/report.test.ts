/** The run's header lines about its data: the folder, a fallback (offline), the test set or its absence. */
import { describe, expect, it } from 'vitest';
import { dataLines, formatConfusion } from '../../src/cli/report.ts';
import { divergence } from '../../src/train/divergence.ts';

const divergenceMessage = (loss: number, step: number, epoch: number, lr: number) =>
  divergence({ epoch, lr, stepLoss: Float32Array.from({ length: step }, (_, i) => (i === step - 1 ? loss : 0)) });

describe('dataLines', () => {
  it('repeats an offline fallback in the header, next to the numbers', () => {
    const fashion = {
      name: 'fashion-mnist', source: '/usr/share/datasets/fashion-mnist',
      fallback: 'Fashion-MNIST (clothing, not digits) because MNIST could not be downloaded: could not download train-images-idx3-ubyte.gz',
      test: { count: 10000 } as never,
    };
    expect(dataLines(fashion, 50000, 10000)).toEqual([
      'data fashion-mnist (/usr/share/datasets/fashion-mnist): 50,000 training, 10,000 validation images',
      'data: Fashion-MNIST (clothing, not digits) because MNIST could not be downloaded: could not download train-images-idx3-ubyte.gz',
      'test set: 10,000 images (t10k files), measured once training ends',
    ]);
  });

  it('says when there is no test set', () => {
    expect(dataLines({ name: 'mnist', source: '/d' }, 100, 20)).toEqual([
      'data mnist (/d): 100 training, 20 validation images',
      'no test set (t10k files) in /d: accuracy is reported on the validation split',
    ]);
  });
});

describe('class names', () => {
  it('are listed in the header, with where an image folder keeps its test set', () => {
    expect(dataLines({ name: 'pets', source: '/p', classNames: ['cat', 'dog'], testFiles: 'test/ folder', test: { count: 7 } as never }, 90, 10)).toEqual([
      'data pets (/p): 90 training, 10 validation images',
      'classes: cat, dog',
      'test set: 7 images (test/ folder), measured once training ends',
    ]);
    const many = Array.from({ length: 23 }, (_, i) => `c${i}`);
    expect(dataLines({ name: 'x', source: '/x', classNames: many }, 9, 1)[1]).toBe(`classes: ${many.slice(0, 20).join(', ')} and 3 more`);
  });

  it('name the confusion matrix\'s rows in full and its columns in up to 8 characters', () => {
    const m = [[5, 1], [0, 12]];
    expect(formatConfusion(m, ['cat', 'hippopotamus']).split('\n')).toEqual([
      'true\\pred           cat hippopot   recall',
      'cat                   5        1   83.33%',
      'hippopotamus          0       12   100.00%',
    ]);
    expect(formatConfusion(m).split('\n')[0]).toBe('true\\pred     0    1   recall');
  });
});

describe('the divergence message', () => {
  it('shows the learning rate as people write it (issue 18: "now 656100.0000000001")', () => {
    expect(divergenceMessage(NaN, 3, 2, 810 * 810)).toBe('Training diverged: the loss became NaN at mini-batch 3 of epoch 2. Try a smaller learning rate (now 656100).');
    expect(divergenceMessage(Infinity, 1, 1, 0.1 * 0.9 ** 2)).toContain('(now 0.081)');
  });
});
