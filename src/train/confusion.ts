/** The confusion matrix of an evaluation, as `wgtrain eval` prints it and the page's "Look inside" draws it. */

/** counts[label][pred] */
export function confusionMatrix(preds: Uint32Array, labels: Uint8Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < preds.length; i++) m[labels[i]][preds[i]]++;
  return m;
}
