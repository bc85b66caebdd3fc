// The image-folder layout rules the CLI and the page share (src/data/image-folder-layout.ts):
// classes, splits, order and the errors naming the folder, from paths alone.
import { describe, expect, it } from 'vitest';
import { commonFolder, imageFolderLayout } from '../../src/data/image-folder-layout.ts';

describe('imageFolderLayout', () => {
  it('labels by sorted class folder, orders across classes by natural file name, skips hidden and non-image files', () => {
    const layout = imageFolderLayout('d', [
      'zebra/10.png', 'zebra/2.PNG', 'cat/1.jpg', 'cat/sub/3.webp', 'cat/notes.txt', '.git/x.png', 'cat/.hidden.png', 'top.png', 'zebra/.cache/9.png',
    ]);
    expect(layout.classes).toEqual(['cat', 'zebra']);
    expect(layout.train).toEqual([
      { path: 'cat/1.jpg', label: 0 }, { path: 'zebra/2.PNG', label: 1 }, { path: 'zebra/10.png', label: 1 }, { path: 'cat/sub/3.webp', label: 0 },
    ]);
    expect(layout.test).toBeUndefined();
  });

  it('reads train/ and test/, the test set labelled by the training classes', () => {
    const layout = imageFolderLayout('d', ['train/b/1.png', 'train/a/1.png', 'test/b/5.png', 'README.md'], ['train', 'test', 'train/a']);
    expect(layout.classes).toEqual(['a', 'b']);
    expect(layout.train.map((s) => s.label)).toEqual([0, 1]);
    expect(layout.test).toEqual([{ path: 'test/b/5.png', label: 1 }]);
  });

  it('refuses, naming the folder: one class, an empty class folder, a test class training lacks, too many classes', () => {
    expect(() => imageFolderLayout('d', ['cat/1.png'])).toThrow('d has one class folder (cat): an image folder holds one sub-folder of images per class');
    expect(() => imageFolderLayout('d', [])).toThrow('d has no class folders');
    expect(() => imageFolderLayout('d', ['cat/1.png', 'dog/readme.txt'])).toThrow('class folder d/dog holds no images (.png .jpg .jpeg .bmp .gif .webp)');
    expect(() => imageFolderLayout('d', ['cat/1.png', 'dog/1.png'], ['emu'])).toThrow('class folder d/emu holds no images');
    expect(() => imageFolderLayout('d', ['train/a/1.png', 'train/b/1.png', 'test/c/1.png'])).toThrow(
      'd/test/c is a class the training set does not have (its classes: a, b)',
    );
    const many = Array.from({ length: 300 }, (_, i) => `c${i}/1.png`);
    expect(() => imageFolderLayout('d', many)).toThrow('d has 300 class folders; wgtrain takes at most 256 classes');
  });
});

describe('commonFolder', () => {
  it('finds the folder wrapping the data (a picked folder, a zip of one), not a class or split folder', () => {
    expect(commonFolder(['mine/cat/1.png', 'mine/dog/2.png'])).toBe('mine');
    expect(commonFolder(['a/b/cat/1.png', 'a/b/dog/2.png', 'a/', 'a/b/', '__MACOSX/a/._x', 'a/.DS_Store'])).toBe('a/b');
    expect(commonFolder(['cat/1.png', 'dog/2.png'])).toBe('');
    expect(commonFolder(['mine/train/cat/1.png', 'mine/test/cat/1.png'])).toBe('mine');
    // One folder of images is one class (refused later by the layout), not a wrapper.
    expect(commonFolder(['cat/1.png', 'cat/2.png'])).toBe('');
    expect(commonFolder([])).toBe('');
  });
});
