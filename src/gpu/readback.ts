/**
 * What one epoch reads back in one mapping: the training steps' stats, the validation
 * predictions and losses, and (where the device has timestamp queries) the passes'
 * timestamps. Offsets are computed here once, not at the read.
 */
export interface ByteRange {
  offset: number;
  bytes: number;
}

export interface EpochReadback {
  /** statsRows (Σ loss, #correct) pairs per step, f32. */
  stats: ByteRange;
  /** Validation predictions, u32 per image. */
  preds: ByteRange;
  /** Validation losses, f32 per image. */
  rowLoss: ByteRange;
  /** Four u64 timestamps: training pass begin, end; validation begin, end. */
  timestamps: ByteRange | null;
  bytes: number;
}

export function epochReadback(statsBytes: number, valCount: number, timestamps: boolean): EpochReadback {
  let at = 0;
  const take = (bytes: number): ByteRange => {
    const r = { offset: at, bytes };
    at += bytes;
    return r;
  };
  const stats = take(statsBytes);
  const preds = take(valCount * 4);
  const rowLoss = take(valCount * 4);
  const ts = timestamps ? take(32) : null;
  return { stats, preds, rowLoss, timestamps: ts, bytes: at };
}

/** The epoch's results out of the mapped bytes. */
export function readEpoch(layout: EpochReadback, bytes: ArrayBuffer): { stats: Float32Array; preds: Uint32Array; rowLoss: Float32Array; ns: BigUint64Array | null } {
  const part = (r: ByteRange) => bytes.slice(r.offset, r.offset + r.bytes);
  return {
    stats: new Float32Array(part(layout.stats)),
    preds: new Uint32Array(part(layout.preds)),
    rowLoss: new Float32Array(part(layout.rowLoss)),
    ns: layout.timestamps ? new BigUint64Array(part(layout.timestamps)) : null,
  };
}
