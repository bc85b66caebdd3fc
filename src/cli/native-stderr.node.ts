/**
 * Dawn, the WebGPU implementation inside the `webgpu` package, and the drivers it loads write
 * straight to file descriptor 2 while it looks for adapters: "Couldn't load Vulkan",
 * "vkCreateInstance: Found no drivers!", "maxDynamic… artificially reduced", and with Mesa's
 * Vulkan drivers installed "error: XDG_RUNTIME_DIR is invalid or not set" and "Vulkan
 * shaderUniform*ArrayDynamicIndexing required". None of it is about the user's command, and a
 * newcomer reads it as failure; nor can a list of known lines keep up with every driver. So
 * while Dawn looks (`work`), fd 2 points at a temporary file, and what was caught is shown
 * only where it can matter: with `--verbose` (everything, as it comes), and when `work` fails
 * (then the lines not known to be harmless, under a heading, before the error). Node cannot
 * duplicate a file descriptor, so the original stderr is reopened through /proc/self/fd: Linux
 * only, and for a terminal, a file or a pipe (what a shell, npm or CI give a command); a socket
 * (what a Node parent's execFile gives it) cannot be reopened, and there, as on other systems,
 * Dawn writes to stderr as before.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Warnings Dawn prints on machines without Vulkan drivers, or about limits it lowers for its own reasons. */
const HARMLESS = [
  /Couldn't load Vulkan/,
  /vkCreateInstance: Found no drivers/,
  /VK_ERROR_INCOMPATIBLE_DRIVER/,
  /artificially reduced from \d+ to \d+/,
];

/**
 * Dawn's output without its harmless warnings. A message is a line that starts in the first
 * column with the indented lines ("    at operator() (…)") and blank lines after it.
 */
export function withoutHarmlessWarnings(text: string): string {
  const messages: string[][] = [];
  for (const line of text.split('\n')) {
    if (/^\S/.test(line) || messages.length === 0) messages.push([line]);
    else messages[messages.length - 1].push(line);
  }
  return messages
    .filter((m) => !HARMLESS.some((p) => p.test(m.join('\n'))))
    .map((m) => m.join('\n'))
    .join('\n')
    .replace(/^\s+$/, '');
}

/** Runs `work` with Dawn's direct writes to stderr caught; shows them only if `work` fails. */
export async function quietDawn<T>(work: () => Promise<T>, verbose = false): Promise<T> {
  if (verbose || process.platform !== 'linux') return work();
  let saved: number;
  try {
    saved = openSync('/proc/self/fd/2', 'a');
  } catch {
    return work(); // a socket, say: leave stderr alone
  }
  const dir = mkdtempSync(join(tmpdir(), 'wgtrain-dawn-'));
  const capture = join(dir, 'stderr.txt');
  closeSync(2);
  // The lowest free descriptor is 2: the capture file takes its place.
  const fd = openSync(capture, 'w');
  let failed = false;
  try {
    return await work();
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    closeSync(fd);
    if (fd === 2) openSync(`/proc/self/fd/${saved}`, 'a'); // back on 2
    closeSync(saved);
    const rest = failed ? withoutHarmlessWarnings(readFileSync(capture, 'utf8')).trim() : '';
    rmSync(dir, { recursive: true, force: true });
    if (rest) process.stderr.write(`What Dawn and the drivers printed while looking for a GPU:\n${rest}\n\n`);
  }
}
