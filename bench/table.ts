/** Aligned text tables and summary statistics for benchmark output. */

export function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

export function fmtMs(mean: number, sd: number): string {
  const digits = mean < 1 ? 3 : mean < 10 ? 2 : 1;
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

export function fmtRate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Renders rows as a Markdown table with padded columns (readable as plain text too). */
export function table(headers: string[], rows: string[][], rightAlign: (col: number) => boolean = (c) => c > 0): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (rightAlign(c) ? (cell ?? '').padStart(widths[c]) : (cell ?? '').padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (rightAlign(c) ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
