/** The autotuner's cache as a JSON file: $WGTRAIN_TUNE_CACHE, else $XDG_CACHE_HOME/wgtrain or ~/.cache/wgtrain. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuneStore } from './autotune.ts';

export function tuneCachePath(): string {
  if (process.env.WGTRAIN_TUNE_CACHE) return process.env.WGTRAIN_TUNE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'wgtrain', 'matmul-tune.json');
}

/** A store that never fails a run: an unreadable or unwritable cache only means tuning again. */
export function fileStore(path = tuneCachePath()): TuneStore {
  return {
    load: () => {
      try {
        const data = JSON.parse(readFileSync(path, 'utf8'));
        return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
      } catch {
        return {};
      }
    },
    save: (all) => {
      try {
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.tmp-${process.pid}`;
        writeFileSync(tmp, `${JSON.stringify(all, null, 1)}\n`);
        renameSync(tmp, path);
      } catch {
        // Read-only home, full disk: the winners stay in memory for this run.
      }
    },
  };
}
