/** The Data section's image size and channels (web/page/data-settings.ts), read with the CLI's --size parser. */
import { describe, expect, it } from 'vitest';
import { readDataSettings, settingsApply, settingsNote } from '../../../web/page/data-settings.ts';

describe('the Data settings', () => {
  it('reads as found, one side, rows x columns (× and X too) and the channels', () => {
    expect(readDataSettings('', '')).toEqual({});
    expect(readDataSettings(' 28 ', '1')).toEqual({ size: { rows: 28, cols: 28 }, channels: 1 });
    expect(readDataSettings('32x48', '3')).toEqual({ size: { rows: 32, cols: 48 }, channels: 3 });
    expect(readDataSettings('32×48', '')).toEqual({ size: { rows: 32, cols: 48 } });
    expect(readDataSettings('7X5', '')).toEqual({ size: { rows: 7, cols: 5 } });
  });

  it('refuses a size the CLI refuses, saying what to write', () => {
    for (const bad of ['0', '32x', 'big', '5000', '3x4x5']) {
      expect(() => readDataSettings(bad, '')).toThrow(`Image size "${bad}": write one side for square images (28) or rows x columns (32x48), each 1 to 4096`);
    }
  });

  it('apply to image folders, zips and CSV files; other data says they do not, when set', () => {
    expect(['image-folder', 'zip', 'csv', 'idx', 'cifar'].map((k) => settingsApply(k as never))).toEqual([true, true, true, false, false]);
    expect(settingsNote('cifar', {})).toBe('');
    expect(settingsNote('csv', { channels: 1 })).toBe('');
    expect(settingsNote('idx', { channels: 1 })).toContain('apply to image folders, zips and CSV files: these files keep their own');
  });
});
