/** The WebGPU adapter the page trains on: name, how it is reached, whether it is a software one, its limits. */
import { LIMIT_NAMES, type AdapterSummary } from '../../src/gpu/device.ts';

const MiB = 2 ** 20;

function formatLimit(name: string, value: number): string {
  return /Size$/.test(name) && value >= MiB ? `${(value / MiB).toLocaleString('en-US')} MiB` : value.toLocaleString('en-US');
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), props);
}

export function renderAdapter(container: HTMLElement, a: AdapterSummary): void {
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ');
  const title = element('p', { className: 'adapter-name', textContent: name || 'An adapter whose name the browser does not disclose' });
  const kind = a.isSoftware ? 'Software: a CPU implementation of WebGPU, much slower than a GPU.' : 'A hardware GPU.';
  const about = element('p', {
    className: 'hint',
    textContent: `${kind} Reached through ${a.backend === 'browser' ? "the browser's WebGPU" : a.backend}, ${a.featureLevel} feature level.`,
  });
  const limits = element('dl', { className: 'facts' });
  for (const limit of LIMIT_NAMES) limits.append(element('dt', { textContent: limit }), element('dd', { textContent: formatLimit(limit, a.limits[limit]) }));
  const features = element('details');
  features.append(
    element('summary', { textContent: `${a.features.length} optional features` }),
    element('p', { className: 'hint', textContent: a.features.join(', ') || 'none' }),
  );
  const parts: Node[] = [title, about, limits, features];
  if (!name) parts.push(element('p', { className: 'hint', textContent: 'Chrome shows adapter names with chrome://flags/#enable-webgpu-developer-features.' }));
  container.replaceChildren(...parts);
  container.dataset.adapter = a.isSoftware ? 'software' : 'hardware';
}
