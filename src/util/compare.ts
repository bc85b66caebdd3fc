/**
 * Element-wise comparison with abs + rel tolerance, reporting like a person would want: the
 * tensor's name, the first bad indices with both values, the largest difference and how
 * much of the tolerance it used; stops listing after ten mismatches. Used by the tests and
 * by the benchmarks, which validate every result before timing it.
 */
export interface Tolerance {
  atol: number;
  rtol: number;
}

export function compareArrays(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): string | null {
  if (got.length !== want.length) return `${name}: length ${got.length}, expected ${want.length}`;
  const bad: string[] = [];
  let worst = 0;
  let worstIndex = -1;
  let mismatches = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const allowed = tol.atol + tol.rtol * Math.abs(w);
    const diff = Math.abs(g - w);
    const used = Number.isNaN(diff) ? Infinity : diff / allowed;
    if (used > worst) {
      worst = used;
      worstIndex = i;
    }
    if (!(diff <= allowed)) {
      mismatches++;
      if (bad.length < 10) bad.push(`  [${i}] got ${g}, expected ${w} (|diff| ${diff.toExponential(2)} > ${allowed.toExponential(2)})`);
    }
  }
  if (mismatches === 0) return null;
  return (
    `${name}: ${mismatches} of ${want.length} elements outside atol ${tol.atol} + rtol ${tol.rtol}·|expected|\n` +
    bad.join('\n') +
    `\n  worst at [${worstIndex}]: ${(worst * 100).toFixed(0)}% of its tolerance`
  );
}
