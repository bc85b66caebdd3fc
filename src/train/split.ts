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
