/**
 * One racer for test/train/checkpoint-lock.test.ts: says "ready", reads a start time and a
 * list of folders from stdin, then at that instant tries to lock each folder in turn
 * (a fixed gap apart), and prints one JSON line: which folders it got. It holds its locks
 * until stdin closes, so a lock that is taken stays taken while the others try.
 */
import { lockCheckpointFolder } from '../../src/train/checkpoint.node.ts';

const GAP_MS = 150;

process.stdout.write('ready\n');
let input = '';
const ended = new Promise((r) => process.stdin.on('end', r));
await new Promise<void>((resolve) =>
  process.stdin.on('data', (chunk) => {
    input += String(chunk);
    if (input.includes('\n')) resolve();
  }),
);
const { start, dirs } = JSON.parse(input.split('\n')[0]) as { start: number; dirs: string[] };
const got: boolean[] = [];
const errors: string[] = [];
for (let i = 0; i < dirs.length; i++) {
  const at = start + i * GAP_MS;
  while (Date.now() < at - 5) await new Promise((r) => setTimeout(r, 1));
  while (Date.now() < at); // the last milliseconds spinning, so all racers leave together
  try {
    await lockCheckpointFolder(dirs[i], () => {});
    got.push(true);
  } catch (e) {
    got.push(false);
    if (!/Another wgtrain/.test((e as Error).message)) errors.push((e as Error).message);
  }
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, got, errors })}\n`);
await ended; // hold the locks until the test is done
