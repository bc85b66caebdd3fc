/** Reads shaders/ (and shaders/lib/) from disk for Node. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShaderSources } from './shader-library.ts';

const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

export function loadShaderSources(dir = SHADER_DIR): ShaderSources {
  const sources: ShaderSources = {};
  for (const sub of ['', 'lib/']) {
    for (const name of readdirSync(join(dir, sub))) {
      if (name.endsWith('.wgsl')) sources[sub + name] = readFileSync(join(dir, sub, name), 'utf8');
    }
  }
  return sources;
}
