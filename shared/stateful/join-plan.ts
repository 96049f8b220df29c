import {
  closeTime,
  emitsUnmatched,
  inWindow,
  isClosed,
  isExpired,
  type JoinSide,
  type JoinType,
  type JoinWindow,
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
  /** Kept unmatched records (either side) whose window closes before the batch's stream time. */
  readonly open: readonly KeptRecord[];
}

/** What a batch emits and keeps, decided in memory; `by` is the index of the record that claims the emission. */
export interface Plan {
  readonly late: readonly number[];
  /** Each record's decision, by index (stored with a record processed for the first time, for replays). */
  readonly decisions: readonly Decision[];
  /** This side's store time after the batch. */
  readonly storeTime: number | undefined;
  readonly pairs: readonly { by: number; left: KeptRecord; right: KeptRecord }[];
  /** Kept records of the other side that this batch matched: they must never be emitted alone once closed. */
  readonly matched: readonly KeptRecord[];
  /** Records emitted alone (left/outer joins): at once when their window has ended, or when it closed. */
  readonly alone: readonly { by: number; record: KeptRecord }[];
  /** The batch's own unmatched records whose window is still open: kept until it closes. */
  readonly opened: readonly number[];
  /** The stream time after the batch. */
  readonly streamTime: number | undefined;
  /** The stream time up to which open records were closed in this batch (all closing before it are handled). */
  readonly closedBefore: number | undefined;
}

/**
 * Runs a batch of one side through the join in source order, as Kafka Streams processes it: stream time advances
 * per record; a record at stream time first emits the unmatched records whose window closed; an expired record is
 * late; others pair with every kept record of the other side in their window, and an unmatched one of an emitting
 * side is emitted alone at once when its window has ended, else kept open.
 */
export const planBatch = (input: PlanInput): Plan => {
  const { side, type, window: w } = input;
  const late: number[] = [];
  const decisions: Decision[] = [];
  const pairs: { by: number; left: KeptRecord; right: KeptRecord }[] = [];
  const matched = new Map<string, KeptRecord>();
  const alone: { by: number; record: KeptRecord }[] = [];
  const opened: number[] = [];
  const byClose = (a: KeptRecord, b: KeptRecord) => closeTime(w, a.side, a.t) - closeTime(w, b.side, b.t);
  const open = [...input.open].sort(byClose);
  const handled = new Set<string>();
  let streamTime = input.streamTime;
  let storeTime = input.storeTimes[side];
  const otherTime = input.storeTimes[otherSide(side)];
  let closedBefore: number | undefined;

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

    if (r.t === at) {
      // Kafka Streams closes windows only when a record moves stream time (or is at it).
      for (const o of open) {
        if (handled.has(o.id) || matched.has(o.id) || !isClosed(w, o.side, o.t, at)) continue;
        handled.add(o.id);
        alone.push({ by: i, record: o });
      }
      closedBefore = max(closedBefore, at);
    }

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
      if (emitsUnmatched(type, otherSide(side))) matched.set(o.id, o);
    }
    if (found || !emitsUnmatched(type, side)) return;
    if (windowEnded(w, side, r.t, at)) alone.push({ by: i, record: self });
    else {
      opened.push(i);
      open.push(self);
    }
  });

  return {
    late,
    decisions,
    storeTime,
    pairs,
    matched: [...matched.values()],
    alone,
    opened,
    streamTime,
    closedBefore,
  };
};
