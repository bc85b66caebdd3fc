/**
 * web/ is split by where its code runs: page/ (the main thread, DOM), worker/ (the training
 * worker) and shared/ (what both import). Neither side imports the other, so a view never
 * pulls the trainer into the page bundle, nor DOM code into the worker; the page reaches the
 * worker only through the Worker URL in page/worker-client.ts and the messages of
 * shared/worker-protocol.ts. Nothing in web/ imports the CLI (src/cli).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');
const FOLDERS = ['page', 'worker', 'shared'] as const;
/** Which of web/'s folders each may import from. */
const MAY_IMPORT: Record<(typeof FOLDERS)[number], string[]> = { page: ['page', 'shared'], worker: ['worker', 'shared'], shared: ['shared'] };

/** Every `from '…'` and `import('…')` of a TypeScript file, resolved relative to the repository. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(join(WEB, '..'), resolve(dirname(file), s)));
}

describe('web/ layout', () => {
  it('holds only index.html and the three folders at its top', () => {
    expect(readdirSync(WEB).sort()).toEqual(['index.html', ...FOLDERS].sort());
  });

  for (const folder of FOLDERS) {
    it(`${folder}/ imports only from ${MAY_IMPORT[folder].map((f) => `${f}/`).join(' and ')} in web/, and nothing from src/cli`, () => {
      const bad: string[] = [];
      for (const name of readdirSync(join(WEB, folder)).filter((n) => n.endsWith('.ts'))) {
        for (const target of imports(join(WEB, folder, name))) {
          const [top, sub] = target.split('/');
          const allowed = top === 'src' ? sub !== 'cli' : top === 'web' && MAY_IMPORT[folder].includes(sub);
          if (!allowed) bad.push(`web/${folder}/${name} imports ${target}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
