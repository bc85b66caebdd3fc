/**
 * The Data section's image size and channels: the CLI's --size and --channels for the page's
 * image folders, zips and CSV files, read with the CLI's own parser (src/data/image-assembly.ts).
 * IDX files and CIFAR-10's batches keep their own size and channels, as in the CLI.
 */
import { parseImageSize } from '../../src/data/image-assembly.ts';
import type { ImageFilesOptions } from '../../src/data/image-files.ts';
import type { DataFiles } from '../shared/worker-protocol.ts';

/** Whether the settings change how `kind` is read (the CLI's rule: image folders and CSV files). */
export function settingsApply(kind: DataFiles['kind']): boolean {
  return kind === 'image-folder' || kind === 'zip' || kind === 'csv';
}

/**
 * The settings the fields ask for: `size` empty (as found), `28` or `32x48` (rows x columns;
 * `×` and `X` read as `x`); `channels` '' (as found), '1' (gray) or '3' (colour). Throws,
 * saying what to write, for a size the CLI's parser refuses.
 */
export function readDataSettings(size: string, channels: string): ImageFilesOptions {
  const text = size.trim().replace(/[×X]/g, 'x');
  const settings: ImageFilesOptions = {};
  if (text !== '') {
    try {
      settings.size = parseImageSize(text);
    } catch {
      throw new Error(`Image size "${size.trim()}": write one side for square images (28) or rows x columns (32x48), each 1 to 4096, or leave it empty to keep the images' own size.`);
    }
  }
  if (channels === '1' || channels === '3') settings.channels = Number(channels) as 1 | 3;
  return settings;
}

/** What the status adds about the settings for data of `kind`: that they do not apply to it, when set; else nothing. */
export function settingsNote(kind: DataFiles['kind'], settings: ImageFilesOptions): string {
  if (settingsApply(kind) || (settings.size === undefined && settings.channels === undefined)) return '';
  return ' (The image size and channels settings apply to image folders, zips and CSV files: these files keep their own.)';
}
