/** Messages with `code` and links, split into parts the page shows as elements (no backticks or bare addresses on screen). */
import { describe, expect, it } from 'vitest';
import { inlineParts } from '../../../web/page/inline-text.ts';

describe('inlineParts', () => {
  it('turns backticked commands into code', () => {
    expect(inlineParts('Saved m.safetensors. `wgtrain eval m.safetensors` reads it.')).toEqual([
      { text: 'Saved m.safetensors. ' }, { code: 'wgtrain eval m.safetensors' }, { text: ' reads it.' },
    ]);
  });

  it("links addresses by name, keeping the sentence's punctuation outside the link", () => {
    expect(inlineParts('Turn WebGPU on as https://developer.chrome.com/docs/web-platform/webgpu explains.')).toEqual([
      { text: 'Turn WebGPU on as ' }, { href: 'https://developer.chrome.com/docs/web-platform/webgpu', text: "Chrome's WebGPU guide" }, { text: ' explains.' },
    ]);
    expect(inlineParts('See https://example.org/a/b.')).toEqual([{ text: 'See ' }, { href: 'https://example.org/a/b', text: 'example.org/a/b' }, { text: '.' }]);
  });

  it('leaves plain text alone', () => {
    expect(inlineParts('Loaded m.safetensors: 784-32-10 relu.')).toEqual([{ text: 'Loaded m.safetensors: 784-32-10 relu.' }]);
    expect(inlineParts('')).toEqual([]);
  });
});
