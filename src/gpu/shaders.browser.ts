/** The same shaders/ files, bundled into the page by Vite. */
import type { ShaderSources } from './shader-library.ts';

const files = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export function loadShaderSources(): ShaderSources {
  const sources: ShaderSources = {};
  for (const [path, text] of Object.entries(files)) sources[path.replace(/^.*\/shaders\//, '')] = text;
  return sources;
}
