/** Workgroup counts: every dispatch size in wgtrain comes from here. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

export const ceilDiv = (n: number, d: number) => Math.ceil(n / d);

/**
 * Workgroups for a flat range of n elements at `wg` invocations each, folded into (x, y)
 * when one dimension is not enough; kernels recover the flat id as
 * gid.x + gid.y · num_workgroups.x · WG and bounds-check it.
 */
export function flatDispatch(n: number, wg: number): [number, number, number] {
  const groups = Math.max(1, ceilDiv(n, wg));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1, 1];
  const x = MAX_WORKGROUPS_PER_DIM;
  return [x, ceilDiv(groups, x), 1];
}
