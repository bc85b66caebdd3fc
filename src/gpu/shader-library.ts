/**
 * WGSL sources by file name (`matmul_tiled.wgsl`, `lib/activations.wgsl`), with the one
 * preprocessing step wgtrain's kernels use: a line `// #include name` is replaced by
 * `lib/name.wgsl`. The directive is a comment, so every kernel file stays valid WGSL for
 * editors and linters. Sources come from shaders.node.ts (files) or shaders.browser.ts
 * (bundled by Vite), so the same kernels run in Node and in the page.
 */
export type ShaderSources = Record<string, string>;

const INCLUDE = /^\s*\/\/\s*#include\s+([\w-]+)\s*$/gm;

export function expandShader(sources: ShaderSources, file: string): string {
  const text = sources[file];
  if (text === undefined) {
    throw new Error(`Shader "${file}" is not among the loaded shaders (${Object.keys(sources).sort().join(', ')}).`);
  }
  return text.replace(INCLUDE, (_line, name: string) => {
    const lib = sources[`lib/${name}.wgsl`];
    if (lib === undefined) throw new Error(`Shader "${file}" includes "${name}", but shaders/lib/${name}.wgsl does not exist.`);
    return lib;
  });
}
