/**
 * Messages with a little markup, shown safely: `backticks` mark commands and file names
 * (shown as code), https:// addresses become links. Workers and the page write messages as
 * plain strings; this is the one place they turn into elements (never innerHTML).
 */

export type InlinePart = { text: string } | { code: string } | { href: string; text: string };

/** Link text for addresses the page's messages use, instead of the bare address. */
const LINK_NAMES: Record<string, string> = {
  'https://developer.chrome.com/docs/web-platform/webgpu': "Chrome's WebGPU guide",
};

/** An address ends before whitespace, and before sentence punctuation that follows it. */
const URL_PATTERN = /https:\/\/[^\s`]+?(?=[.,;:!?)]*(?:\s|$))/g;

function linkParts(text: string): InlinePart[] {
  const parts: InlinePart[] = [];
  let at = 0;
  for (const m of text.matchAll(URL_PATTERN)) {
    if (m.index > at) parts.push({ text: text.slice(at, m.index) });
    parts.push({ href: m[0], text: LINK_NAMES[m[0]] ?? m[0].replace(/^https:\/\//, '') });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

export function inlineParts(message: string): InlinePart[] {
  return message.split('`').flatMap((piece, i) => (i % 2 === 1 ? [{ code: piece }] : piece ? linkParts(piece) : []));
}

/** Replaces `el`'s content with `message`, its `code` and links made elements. */
export function showInline(el: HTMLElement, message: string): void {
  el.replaceChildren(
    ...inlineParts(message).map((p) => {
      if ('code' in p) return Object.assign(document.createElement('code'), { textContent: p.code });
      if ('href' in p) return Object.assign(document.createElement('a'), { href: p.href, textContent: p.text, target: '_blank', rel: 'noopener' });
      return document.createTextNode(p.text);
    }),
  );
}
