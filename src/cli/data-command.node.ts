/** `wgtrain data mnist`: download and verify MNIST into data/mnist/. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadDataset, MNIST_FILES, MNIST_MIRRORS } from '../data/download.node.ts';
import { createDownloadProgress } from './progress.node.ts';
import { PROJECT_ROOT } from './setup.node.ts';

export async function dataCommand(name: string, flags: { dir?: string; mirror?: string[] }): Promise<void> {
  if (name !== 'mnist') throw new Error(`Unknown data set "${name}": wgtrain downloads "mnist"; for others pass a folder of IDX files with --data DIR.`);
  const dir = flags.dir ?? join(PROJECT_ROOT, 'data', 'mnist');
  const found = await stat(dir).catch(() => null);
  if (found && !found.isDirectory()) throw new Error(`--dir ${dir} is a file, not a folder: name a folder to download MNIST into.`);
  const progress = createDownloadProgress();
  try {
    const r = await downloadDataset(dir, MNIST_FILES, {
      mirrors: flags.mirror?.length ? flags.mirror : MNIST_MIRRORS,
      onProgress: progress.onProgress,
      onFileDone: progress.onFileDone,
      log: (msg) => console.log(msg),
    });
    progress.stop();
    console.log(`MNIST in ${dir}: ${r.downloaded.length} downloaded, ${r.cached.length} already there and verified`);
  } finally {
    progress.stop();
  }
}
