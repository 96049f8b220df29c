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

/** A record of the batch, in source order. `decidedAt` is the stream time stored when it was first processed. */
export interface PlanRecord {
  readonly id: string;
  readonly key: string;
  readonly t: number;
  readonly decidedAt?: number;
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
  /** The partition's stream time before the batch; undefined before its first record. */
  readonly streamTime: number | undefined;
  readonly records: readonly PlanRecord[];
  /** Kept records of the other side, by key, that may pair with the batch's records. */
  readonly others: ReadonlyMap<string, readonly KeptRecord[]>;
  /** Kept unmatched records (either side) whose window closes before the batch's stream time. */
  readonly open: readonly KeptRecord[];
}

/** What a batch emits and keeps, decided in memory; `by` is the index of the record that claims the emission. */
export interface Plan {
  readonly late: readonly number[];
  /** The stream time each newly processed record was decided at, by index (stored with it, for replays). */
  readonly decidedAt: ReadonlyMap<number, number>;
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
  const decidedAt = new Map<number, number>();
  const pairs: { by: number; left: KeptRecord; right: KeptRecord }[] = [];
  const matched = new Map<string, KeptRecord>();
  const alone: { by: number; record: KeptRecord }[] = [];
  const opened: number[] = [];
  const open = [...input.open];
  const handled = new Set<string>();
  let streamTime = input.streamTime;
  let closedBefore: number | undefined;

  input.records.forEach((r, i) => {
    let at: number;
    if (r.decidedAt !== undefined) {
      at = r.decidedAt;
    } else {
      if (streamTime !== undefined && isExpired(w, r.t, streamTime)) {
        late.push(i);
        return;
      }
      at = streamTime === undefined ? r.t : Math.max(streamTime, r.t);
      decidedAt.set(i, at);
    }
    streamTime = streamTime === undefined ? r.t : Math.max(streamTime, r.t);

    if (r.t === at) {
      // Kafka Streams closes windows only when a record moves stream time (or is at it).
      for (const o of open) {
        if (handled.has(o.id) || matched.has(o.id) || !isClosed(w, o.side, o.t, at)) continue;
        handled.add(o.id);
        alone.push({ by: i, record: o });
      }
      closedBefore = closedBefore === undefined ? at : Math.max(closedBefore, at);
    }

    const self: KeptRecord = { id: r.id, side, key: r.key, t: r.t };
    const range = pairRange(w, side, r.t);
    let found = false;
    for (const o of input.others.get(r.key) ?? []) {
      if (o.t < range.from || o.t > range.to || isExpired(w, o.t, at)) continue;
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

  open.sort((a, b) => closeTime(w, a.side, a.t) - closeTime(w, b.side, b.t));
  return {
    late,
    decidedAt,
    pairs,
    matched: [...matched.values()],
    alone,
    opened,
    streamTime,
    closedBefore,
  };
};
