import {
  emitsUnmatched,
  inWindow,
  isClosed,
  isExpired,
  type JoinSide,
  type JoinType,
  type JoinWindow,
  lookAheadMs,
  otherSide,
  pairRange,
  windowEnded,
} from './join-window.ts';

/** What a record's first processing decided, stored with it so that a replay decides the same. */
export interface Decision {
  /** Stream time (both sides) once the record was seen. */
  readonly at: number;
  /** The other side's store time then (what it could still read). */
  readonly otherTime: number | undefined;
  /** Too old for its own side's store: not kept for the other side to find. */
  readonly late: boolean;
  /** Its results were claimed (a replay emits only those again). */
  readonly claimed?: boolean;
  /** The outer-join store's records it claimed to emit alone (result ids): a replay emits those again. */
  readonly alone?: readonly string[];
}

/** A record of the batch, in source order, with its decision when it was processed before. */
export interface PlanRecord {
  readonly id: string;
  readonly key: string;
  readonly t: number;
  readonly decided?: Decision;
}

/** A record of either side kept in the join state. */
export interface KeptRecord {
  readonly id: string;
  readonly side: JoinSide;
  readonly key: string;
  readonly t: number;
}

export interface PlanInput {
  readonly side: JoinSide;
  readonly type: JoinType;
  readonly window: JoinWindow;
  /** The partition's stream time before the batch (both sides); undefined before its first record. */
  readonly streamTime: number | undefined;
  /**
   * Each side's store time: the largest event time of its records. As in Kafka Streams, where each side's window
   * store expires records by its own time, a record is kept unless older than its side's time minus retention,
   * and read unless older than that.
   */
  readonly storeTimes: { readonly left?: number; readonly right?: number };
  readonly records: readonly PlanRecord[];
  /** Kept records of the other side, by key, that may pair with the batch's records. */
  readonly others: ReadonlyMap<string, readonly KeptRecord[]>;
  /** The outer-join store as committed: unmatched records (either side) not emitted yet, in any order. */
  readonly open: readonly KeptRecord[];
  /**
   * Kafka Streams' `minTime` of the outer-join store as committed (undefined: Long.MAX_VALUE, nothing to bound):
   * unmatched records are looked at only when minTime + this side's look-ahead + grace is behind stream time.
   */
  readonly minTime?: number | undefined;
}

/** What a batch emits and keeps, decided in memory; `by` is the index of the record that claims the emission. */
export interface Plan {
  readonly late: readonly number[];
  /** Each record's decision, by index (stored with a record processed for the first time, for replays). */
  readonly decisions: readonly Decision[];
  /** This side's store time after the batch. */
  readonly storeTime: number | undefined;
  readonly pairs: readonly { by: number; left: KeptRecord; right: KeptRecord }[];
  /** Kept records of the other side that this batch matched: they must never be emitted alone afterwards. */
  readonly matched: readonly KeptRecord[];
  /** Records emitted alone (left/outer joins): at once when their window has ended, or when it closed. */
  readonly alone: readonly { by: number; record: KeptRecord }[];
  /** The batch's own unmatched records still in the outer-join store after it (indexes): to keep at commit. */
  readonly opened: readonly number[];
  /** Records of the committed outer-join store that the batch emitted or matched: to remove at commit. */
  readonly removed: readonly KeptRecord[];
  /** The outer-join store's minTime after the batch (undefined: Long.MAX_VALUE). */
  readonly minTime: number | undefined;
  /** The stream time after the batch. */
  readonly streamTime: number | undefined;
}

/** Kafka Streams' outer-join store order: event time, then the right side before the left (its key bytes). */
const storeOrder = (a: KeptRecord, b: KeptRecord): number =>
  a.t - b.t || (a.side === b.side ? 0 : a.side === 'right' ? -1 : 1);

/**
 * Runs a batch of one side through the join in source order, as Kafka Streams' `KStreamKStreamJoin` processes it:
 * stream time advances per record; a record at stream time first emits the outer-join store's records whose
 * window closed (`emitNonJoinedOuterRecords`, with its `minTime` gate); an expired record is late; others pair
 * with every kept record of the other side in their window (removing the paired records' entries from the
 * outer-join store), and an unmatched one of an emitting side is emitted alone at once when its window has ended,
 * else put in the outer-join store.
 */
export const planBatch = (input: PlanInput): Plan => {
  const { side, type, window: w } = input;
  const late: number[] = [];
  const decisions: Decision[] = [];
  const pairs: { by: number; left: KeptRecord; right: KeptRecord }[] = [];
  const matched = new Map<string, KeptRecord>();
  const alone: { by: number; record: KeptRecord }[] = [];
  const committed = new Set(input.open.map((o) => o.id));
  const removed = new Map<string, KeptRecord>();
  const ownIndex = new Map<string, number>();
  // The outer-join store, by id (a record read back and added again is one entry).
  let store = [...new Map(input.open.map((o) => [o.id, o])).values()];
  let minTime = input.minTime;
  let streamTime = input.streamTime;
  let storeTime = input.storeTimes[side];
  const otherTime = input.storeTimes[otherSide(side)];
  const drop = (o: KeptRecord) => {
    if (committed.has(o.id)) removed.set(o.id, o);
  };

  /** `emitNonJoinedOuterRecords` of Kafka Streams 4.1, throttle off (the oracle's setting). */
  const emitClosed = (by: number, at: number) => {
    // minTime undefined is Long.MAX_VALUE, whose sum overflows in Java: the gate then lets the store be read.
    if (minTime !== undefined && minTime + lookAheadMs(w, side) + w.graceMs >= at) return;
    minTime = undefined;
    const sorted = store.sort(storeOrder);
    const open = { left: false, right: false };
    const kept: KeptRecord[] = [];
    for (let n = 0; n < sorted.length; n++) {
      const o = sorted[n] as KeptRecord;
      // Kafka Streams sets minTime to each record it looks at, the one it stops at included.
      minTime = o.t;
      if (open.left && open.right) {
        kept.push(...sorted.slice(n));
        break;
      }
      if (!isClosed(w, o.side, o.t, at)) {
        open[o.side] = true;
        kept.push(o);
        continue;
      }
      alone.push({ by, record: o });
      drop(o);
    }
    store = kept;
  };

  input.records.forEach((r, i) => {
    const max = (a: number | undefined, b: number) => (a === undefined ? b : Math.max(a, b));
    const decision: Decision = r.decided ?? {
      at: max(streamTime, r.t),
      otherTime,
      // Kafka Streams joins a record before it stores it: a record too old to keep still pairs with what is read.
      late: storeTime !== undefined && isExpired(w, r.t, storeTime),
    };
    decisions.push(decision);
    const at = decision.at;
    streamTime = max(streamTime, r.t);
    storeTime = max(storeTime, r.t);
    if (decision.late) late.push(i);

    // Kafka Streams looks at the outer-join store only when a record moves stream time (or is at it).
    if (type !== 'inner' && r.t === at) emitClosed(i, at);

    const self: KeptRecord = { id: r.id, side, key: r.key, t: r.t };
    const range = pairRange(w, side, r.t);
    let found = false;
    for (const o of input.others.get(r.key) ?? []) {
      if (o.t < range.from || o.t > range.to) continue;
      if (decision.otherTime !== undefined && isExpired(w, o.t, decision.otherTime)) continue;
      const [left, right] = side === 'left' ? [self, o] : [o, self];
      if (!inWindow(w, left.t, right.t)) continue;
      found = true;
      pairs.push({ by: i, left, right });
      if (!emitsUnmatched(type, otherSide(side))) continue;
      matched.set(o.id, o);
      // The outer-join store holds one list per (time, side, key): a match removes the whole list.
      store = store.filter((s) => {
        if (s.t !== o.t || s.side !== o.side || s.key !== o.key) return true;
        matched.set(s.id, s);
        drop(s);
        return false;
      });
    }
    if (found || !emitsUnmatched(type, side)) return;
    if (windowEnded(w, side, r.t, at)) alone.push({ by: i, record: self });
    else if (!store.some((s) => s.id === self.id)) {
      minTime = minTime === undefined ? r.t : Math.min(minTime, r.t);
      store.push(self);
      ownIndex.set(self.id, i);
    }
  });

  return {
    late,
    decisions,
    storeTime,
    pairs,
    matched: [...matched.values()],
    alone,
    opened: store.flatMap((s) => {
      const i = ownIndex.get(s.id);
      return i === undefined || committed.has(s.id) ? [] : [i];
    }),
    removed: [...removed.values()],
    minTime,
    streamTime,
  };
};
