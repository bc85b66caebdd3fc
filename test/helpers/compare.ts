/** Test-side comparison (src/util/compare.ts) and seeded inputs (src/util/seeded-array.ts). */
import { expect } from 'vitest';
import { compareArrays, type Tolerance } from '../../src/util/compare.ts';

export type { Tolerance };
export { seededArray } from '../../src/util/seeded-array.ts';

export function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): void {
  const message = compareArrays(name, got, want, tol);
  expect(message, message ?? '').toBeNull();
}
