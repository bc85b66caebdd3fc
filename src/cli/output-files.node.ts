/**
 * The files a training run writes, checked before any work starts (so a bad --out or
 * --checkpoint never costs a finished run) and written so that a trained model is never lost.
 */
import { lstat, mkdir, open, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { CHECKPOINT_FILE, LOCK_FILE, noCheckpointMessage } from '../train/checkpoint.node.ts';
import { tempName, writeFileAtomic } from '../util/atomic-file.node.ts';

export const modelPath = (out: string) => (out.endsWith('.safetensors') ? out : `${out}.safetensors`);

const errorCode = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** What is at `path`: 'folder', 'file', 'other', or null when nothing is (or a parent is not a folder). */
async function kind(path: string): Promise<'folder' | 'file' | 'other' | null> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : 'other';
  } catch (e) {
    if (errorCode(e) === 'ENOENT' || errorCode(e) === 'ENOTDIR') return null;
    throw e;
  }
}

/** Refuses when `folder` is missing or something else is in the way; `what` starts the message. */
async function requireFolder(folder: string, what: string, create: boolean): Promise<void> {
  const found = await kind(folder);
  if (found === 'folder') return;
  if (found !== null) throw new Error(`${what}: ${folder} is a file, not a folder.`);
  // Nothing there: the nearest thing that exists on the way says why.
  for (let up = dirname(folder); up !== dirname(up); up = dirname(up)) {
    const above = await kind(up);
    if (above === 'folder') break;
    if (above !== null) throw new Error(`${what}: ${up} is a file, not a folder.`);
  }
  if (!create) throw new Error(`${what}: the folder ${folder} does not exist: create it first.`);
  try {
    await mkdir(folder, { recursive: true });
  } catch (e) {
    throw new Error(`${what}: cannot create the folder ${folder} (${(e as Error).message}).`);
  }
}

/**
 * Creates and removes a file named as long as the temporary file `path` will be written
 * through, beside it: the one sure way to know it can be written, and that the temporary
 * name is not too long for the file system.
 */
async function requireWritable(path: string, what: string): Promise<void> {
  const probe = tempName(path).replace(/\.tmp-(\d+)$/, '.prb-$1');
  try {
    await (await open(probe, 'wx')).close();
    await rm(probe);
  } catch (e) {
    await rm(probe, { force: true }).catch(() => {});
    if (errorCode(e) === 'ENAMETOOLONG') {
      throw new Error(`${what}: the name is too long for this file system once the temporary file's suffix (${tempName(path).slice(path.length)}) is added: use a shorter name.`);
    }
    throw new Error(`${what}: cannot write in ${dirname(path)} (${(e as Error).message}).`);
  }
}

/** --out as given, before `.safetensors` is added: a name, and not a device or another special file. */
export async function checkOutFlag(out: string): Promise<void> {
  if (out.trim() === '') throw new Error('--out needs a file name (or use --no-out to skip saving).');
  if ((await kind(out)) === 'other') throw new Error(`--out ${out} is not a regular file: name a file to write the model to (or use --no-out to skip saving).`);
}

/** --out: a file (or nothing yet) in a folder that exists and can be written. */
export async function checkModelOut(path: string): Promise<void> {
  const found = await kind(path);
  if (found === 'folder') throw new Error(`--out ${path} is a folder: name a file, for example ${join(path, 'model.safetensors')}.`);
  if (found === 'other') throw new Error(`--out ${path} is not a regular file: name a file to write the model to (or use --no-out to skip saving).`);
  await requireFolder(dirname(path), `--out ${path}`, false);
  await requireWritable(path, `--out ${path}`);
}

/** Where writing `path` lands: links followed, even dangling ones, and the folder's own links resolved. */
async function landsAt(path: string, hops = 0): Promise<string> {
  const info = await lstat(path).catch(() => null);
  if (info?.isSymbolicLink() && hops < 40) return landsAt(resolve(dirname(path), await readlink(path)), hops + 1);
  const folder = await realpath(dirname(path)).catch(() => resolve(dirname(path)));
  return join(folder, basename(path));
}

/** The checkpoint folder's own files: the checkpoint, its lock, and their temporary files. */
const isCheckpointsOwn = (name: string) => [CHECKPOINT_FILE, LOCK_FILE].some((own) => name === own || name.startsWith(`${own}.`));

/** Refuses an --out that would land on one of the checkpoint folder's own files (it would replace the checkpoint). */
export async function checkOutBesideCheckpoint(out: string, dir: string): Promise<void> {
  const target = await landsAt(out);
  const folder = await realpath(dir).catch(() => resolve(dir));
  if (dirname(target) === folder && isCheckpointsOwn(basename(target))) {
    throw new Error(
      `--out ${out} is the checkpoint folder's own file ${target}: name a file outside it, or another name in it (such as ${join(dir, 'model.safetensors')}).`,
    );
  }
}

/** --checkpoint: a folder, created when missing (a resume needs it to exist); taking its lock shows it can be written. */
export async function checkCheckpointFolder(dir: string, resume: boolean): Promise<void> {
  const found = await kind(dir);
  if (found !== null && found !== 'folder') throw new Error(`--checkpoint ${dir} is a file, not a folder: name a folder for the checkpoints.`);
  if (found === null && resume) throw new Error(noCheckpointMessage(dir));
  await requireFolder(dir, `--checkpoint ${dir}`, true);
}

/**
 * Writes the trained model to `path` atomically. When that fails (a full disk, a folder that
 * went away), says where the weights still are: the checkpoint of the final epoch, or a
 * temporary file written for the purpose.
 */
export async function saveModelFile(path: string, bytes: Uint8Array, checkpoint?: string): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
    return;
  } catch (e) {
    const why = `Cannot write the model ${path}: ${(e as Error).message}.`;
    if (checkpoint) {
      throw new Error(
        `${why} The trained weights are safe in ${join(checkpoint, CHECKPOINT_FILE)}: once ${path} can be written, ` +
          `run the same command with --resume to write it without training.`,
      );
    }
    const kept = join(tmpdir(), `wgtrain-model-${process.pid}-${Date.now()}.safetensors`);
    try {
      await writeFileAtomic(kept, bytes);
    } catch (e2) {
      throw new Error(`${why} It could not be kept in ${kept} either (${(e2 as Error).message}): the trained weights are lost.`);
    }
    throw new Error(`${why} The trained model is in ${kept} instead: move it where you want it.`);
  }
}
