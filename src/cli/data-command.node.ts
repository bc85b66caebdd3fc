/** `wgtrain data NAME`: download and verify a named data set into data/NAME/ (archives unpacked there). */
import { stat } from 'node:fs/promises';
import { CATALOG_NAMES, catalogEntry } from '../data/catalog.ts';
import { cacheDirOf, fetchNamedDataset, systemCopy } from '../data/named.node.ts';
import { createDownloadProgress } from './progress.node.ts';
import { PROJECT_ROOT } from './setup.node.ts';

export async function dataCommand(name: string, flags: { dir?: string; mirror?: string[] }): Promise<void> {
  const entry = catalogEntry(name);
  if (!entry) {
    throw new Error(`Unknown data set "${name}": wgtrain downloads ${CATALOG_NAMES.join(', ')}; for others pass a folder with --data DIR.`);
  }
  const dir = cacheDirOf(entry, { projectRoot: PROJECT_ROOT, dir: flags.dir });
  const found = await stat(dir).catch(() => null);
  if (found && !found.isDirectory()) throw new Error(`--dir ${dir} is a file, not a folder: name a folder to download ${entry.title} into.`);
  const progress = createDownloadProgress();
  try {
    const r = await fetchNamedDataset(entry, {
      projectRoot: PROJECT_ROOT,
      dir: flags.dir,
      mirrors: flags.mirror?.length ? flags.mirror : undefined,
      onProgress: progress.onProgress,
      onFileDone: progress.onFileDone,
      log: (msg) => console.log(msg),
    }).catch(async (e: Error) => {
      const installed = await systemCopy(entry);
      if (installed) e.message += `\n${entry.title} is installed in ${installed}: --data ${entry.name} uses it without downloading.`;
      throw e;
    });
    progress.stop();
    console.log(`${entry.title} in ${r.dir}: ${r.downloaded.length} downloaded, ${r.cached.length} already there${entry.format === 'idx' ? ' and verified' : ''}`);
  } finally {
    progress.stop();
  }
}
