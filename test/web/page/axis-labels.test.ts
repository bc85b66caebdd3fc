/** The charts' tick labels: as many decimals as the tick spacing needs, so neighbouring ticks never read the same. */
import { describe, expect, it } from 'vitest';
import { axisSize, compactLabel, linearLabels, MIN_AXIS_SIZE } from '../../../web/page/axis-labels.ts';

/** Ticks as uPlot lays them out: multiples of `increment` from `from`, summed in floating point. */
function ticks(from: number, increment: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i * increment);
}

describe('linearLabels', () => {
  it('gives ticks 0.02 apart (accuracy moving by less than 0.1 point) distinct labels', () => {
    expect(linearLabels(ticks(83.02, 0.02, 4), 0.02)).toEqual(['83.02', '83.04', '83.06', '83.08']);
  });

  it('shows 0.025 steps with three decimals and whole steps without any', () => {
    expect(linearLabels(ticks(97.5, 0.025, 3), 0.025)).toEqual(['97.5', '97.525', '97.55']);
    expect(linearLabels(ticks(80, 5, 3), 5)).toEqual(['80', '85', '90']);
    expect(linearLabels(ticks(96, 0.5, 3), 0.5)).toEqual(['96', '96.5', '97']);
  });

  it('never repeats a label, whatever the spacing', () => {
    for (const increment of [0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10]) {
      const labels = linearLabels(ticks(91.3 - (91.3 % increment), increment, 8), increment);
      expect(new Set(labels).size, `${increment}: ${labels.join(' ')}`).toBe(labels.length);
    }
  });
});

describe('compactLabel', () => {
  it('labels log-axis ticks briefly, thousands with k, and leaves skipped ticks blank', () => {
    expect([0.05, 0.1, 0.5, 2, 1200, 45000].map(compactLabel)).toEqual(['0.05', '0.1', '0.5', '2', '1.2k', '45k']);
    expect(compactLabel(null)).toBe('');
  });
});

describe('axisSize', () => {
  it('widens a y axis for five-digit rates, which ran under the axis label at a fixed 44 px', () => {
    const labels = linearLabels(ticks(10150, 50, 2), 50);
    expect(labels).toEqual(['10150', '10200']);
    expect(axisSize(labels)).toBeGreaterThanOrEqual(18 + 5 + 5 * 7);
  });

  it('keeps the usual width for short labels, and before uPlot has any', () => {
    expect(axisSize(['50', '60', '70'])).toBe(MIN_AXIS_SIZE);
    expect(axisSize(compactLabelsOf([0.5, 1, 2]))).toBe(MIN_AXIS_SIZE);
    expect(axisSize(null)).toBe(MIN_AXIS_SIZE);
  });
});

function compactLabelsOf(values: number[]): string[] {
  return values.map(compactLabel);
}
