/** Tick labels for the training charts' axes (web/page/training-charts.ts), kept apart from uPlot so they can be tested alone. */

/** Readable numbers on a log axis: 0.05, 0.1, 0.5, 1, 2 … and 1.2k, 45k (log axes leave some ticks unlabelled: null). */
export function compactLabel(v: number | null): string {
  if (v === null) return '';
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)}k`;
  return String(+v.toPrecision(2));
}

/** Decimals that write `increment` exactly: 0.02 → 2, 0.025 → 3, 5 → 0. */
function decimalsOf(increment: number): number {
  let d = 0;
  while (d < 10 && Math.abs(Math.round(increment * 10 ** d) - increment * 10 ** d) > 1e-6) d++;
  return d;
}

/**
 * Labels for ticks `increment` apart on a linear axis (uPlot passes the spacing it chose):
 * written with the decimals the spacing needs, so no two ticks read the same ("83 / 83 / 83"
 * when accuracy moved by less than the one decimal shown), and no more.
 */
export function linearLabels(ticks: number[], increment: number): string[] {
  const decimals = decimalsOf(increment);
  return ticks.map((t) => String(+t.toFixed(decimals)));
}

/** The y axes' width when their labels are short: the axis label's band (18 px) and three digits. */
export const MIN_AXIS_SIZE = 44;

/**
 * Pixels a y axis needs for its tick labels (12 px system-ui digits are at most 7 px wide)
 * beside its 18 px label band and a 5 px gap: a fixed 44 px let five-digit rates (10200
 * samples/s) run under the axis label.
 */
export function axisSize(labels: readonly (string | null)[] | null): number {
  const longest = Math.max(0, ...(labels ?? []).map((l) => (l ?? '').length));
  return Math.max(MIN_AXIS_SIZE, 18 + 5 + 7 * longest);
}
