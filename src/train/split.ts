/**
 * Which training images train and which validate, chosen the same way by `wgtrain train`
 * and `eval` (--validation, --limit) and by the page (its "Validation images" and "Training
 * images" fields): the last `validation` images of the training set are held out, then the
 * first `limit` of the rest train. One check, so both refuse the same choices.
 */
import { holdOut, subset, type Split } from '../data/dataset.ts';

export interface SplitChoice {
  validation: number;
  /** null: every image left after the hold-out. */
  limit: number | null;
}

/** How a front end names the two numbers in its messages: the CLI its flags as typed, the page its fields. */
export interface SplitNames {
  validation: string;
  limit: string;
}

/** The hold-out where none is asked for: MNIST's 10,000, a sixth of its 60,000 training images. */
export const DEFAULT_VALIDATION = 10000;

/**
 * The validation images of a training set of `count` where the user names none: 10,000 where
 * the set has more, else a sixth of it (at least 1), so that a small set of one's own trains
 * without a --validation of its own. The CLI's default and the page's field both take it.
 */
export function defaultValidation(count: number): number {
  return DEFAULT_VALIDATION < count ? DEFAULT_VALIDATION : Math.max(1, Math.round(count / 6));
}

const wholeUpTo = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;

/** The training and validation splits of `all` (no copying), or an error naming the number to fix and its range. */
export function splitTraining(all: Split, choice: SplitChoice, names: SplitNames): { train: Split; val: Split } {
  if (!wholeUpTo(choice.validation, all.count - 1)) {
    throw new Error(`${names.validation} must be a whole number from 1 to ${all.count - 1} (the images held out of training).`);
  }
  const { train, val } = holdOut(all, choice.validation);
  if (choice.limit === null) return { train, val };
  if (!wholeUpTo(choice.limit, train.count)) {
    throw new Error(`${names.limit} must be a whole number from 1 to ${train.count} (the training images left after the validation split).`);
  }
  return { train: subset(train, choice.limit), val };
}
