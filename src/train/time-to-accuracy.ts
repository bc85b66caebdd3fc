/**
 * Time to accuracy: for each threshold, the first epoch whose validation accuracy reached
 * it and the training wall time from the first mini-batch to the end of that epoch, the sum
 * of the epochs' training seconds (validation excluded). There is no interpolation within an
 * epoch: accuracy is only known when an epoch's validation pass ends. An epoch whose time is
 * unknown (trained before a resume, from a checkpoint that recorded no times) leaves every
 * time from it on unknown, though the epoch that reached a threshold is still known.
 */

/** The validation accuracies every run reports its time to. */
export const ACCURACY_MILESTONES: readonly number[] = [0.98, 0.99, 0.995];

export interface TimeToAccuracy {
  threshold: number;
  /** The first epoch (1-based) whose validation accuracy was at least the threshold; null: not reached. */
  epoch: number | null;
  /** Training seconds up to the end of that epoch; null when not reached or when an earlier epoch's time is unknown. */
  seconds: number | null;
}

/**
 * `history[i]` and `epochSeconds[i]` are epoch i + 1's validation accuracy and training
 * seconds (null: unknown).
 */
export function timesToAccuracy(
  history: readonly number[], epochSeconds: readonly (number | null)[], thresholds: readonly number[] = ACCURACY_MILESTONES,
): TimeToAccuracy[] {
  if (epochSeconds.length !== history.length) throw new Error(`${history.length} accuracies but ${epochSeconds.length} epoch times`);
  return thresholds.map((threshold) => {
    const i = history.findIndex((accuracy) => accuracy >= threshold);
    if (i < 0) return { threshold, epoch: null, seconds: null };
    const upTo = epochSeconds.slice(0, i + 1);
    const seconds = upTo.every((s) => s !== null) ? upTo.reduce((sum, s) => sum + s, 0) : null;
    return { threshold, epoch: i + 1, seconds };
  });
}

/** A threshold as a percentage without trailing zeros: 0.98 → "98%", 0.995 → "99.5%". */
export const percentText = (threshold: number) => `${Number((100 * threshold).toFixed(4))}%`;
