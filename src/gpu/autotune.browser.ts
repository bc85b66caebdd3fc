/**
 * The autotuner's cache in the page and its workers: IndexedDB (database `wgtrain`, object
 * store `tune`, one record `matmul`), which workers can reach and localStorage is not.
 * Read once when the store opens; each save writes the whole record back in the background.
 * Where IndexedDB is missing or refuses (private browsing, a blocked origin), the winners
 * stay in memory for the session: a cache never fails a run.
 */
import { memoryStore, type TuneStore } from './autotune.ts';

const TUNE_DB = 'wgtrain';
const TUNE_STORE = 'tune';
const TUNE_KEY = 'matmul';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb(idb: IDBFactory): Promise<IDBDatabase> {
  const r = idb.open(TUNE_DB, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(TUNE_STORE);
  return request(r);
}

export async function indexedDbStore(idb: IDBFactory | undefined = globalThis.indexedDB): Promise<TuneStore> {
  if (!idb) return memoryStore();
  let db: IDBDatabase;
  let initial: unknown;
  try {
    db = await openDb(idb);
    initial = await request(db.transaction(TUNE_STORE).objectStore(TUNE_STORE).get(TUNE_KEY));
  } catch {
    return memoryStore();
  }
  const valid = initial && typeof initial === 'object' && !Array.isArray(initial);
  const memory = memoryStore(valid ? (initial as Record<string, Record<string, string>>) : {});
  return {
    load: memory.load,
    save: (all) => {
      memory.save(all);
      try {
        db.transaction(TUNE_STORE, 'readwrite').objectStore(TUNE_STORE).put(all, TUNE_KEY);
      } catch {
        // A closed or full database: the winners stay in memory for this session.
      }
    },
  };
}
