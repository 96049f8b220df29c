/**
 * The time rules of a stream–stream join, as Kafka Streams applies them (`KStreamKStreamJoin` with
 * `JoinWindows.ofTimeDifferenceAndGrace(…).before(…).after(…)`): pure functions of event times and stream time.
 * Stream time is the largest event time seen on a partition, over both sides.
 */

export type JoinSide = 'left' | 'right';

/** A left record at `t` joins right records in `[t - beforeMs, t + afterMs]`; `graceMs` admits out-of-order ones. */
export interface JoinWindow {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
}

export const otherSide = (side: JoinSide): JoinSide => (side === 'left' ? 'right' : 'left');

/** How far ahead of its own time a record of `side` looks for the other side (the right side mirrors the window). */
export const lookAheadMs = (w: JoinWindow, side: JoinSide): number =>
  side === 'left' ? w.afterMs : w.beforeMs;

/** How far behind its own time a record of `side` looks for the other side. */
export const lookBehindMs = (w: JoinWindow, side: JoinSide): number =>
  side === 'left' ? w.beforeMs : w.afterMs;

/** The event times of the other side that a record of `side` at `t` pairs with, both ends included. */
export const pairRange = (w: JoinWindow, side: JoinSide, t: number): { from: number; to: number } => ({
  from: Math.max(0, t - lookBehindMs(w, side)),
  to: t + lookAheadMs(w, side),
});

/** Whether a left record at `left` and a right record at `right` lie within the window of each other. */
export const inWindow = (w: JoinWindow, left: number, right: number): boolean =>
  right >= left - w.beforeMs && right <= left + w.afterMs;

/** How long a record is kept (Kafka Streams' join store retention): the window's size plus grace. */
export const retentionMs = (w: JoinWindow): number => w.beforeMs + w.afterMs + w.graceMs;

/**
 * A record is expired once stream time has passed its time by the retention: arriving so, it is late (no record
 * it could pair with is kept any more); kept so, it is no longer read. Kafka Streams' window store drops a put at
 * `t <= streamTime - retention` and reads from `streamTime - retention + 1`.
 */
export const isExpired = (w: JoinWindow, t: number, streamTime: number): boolean =>
  t + retentionMs(w) <= streamTime;

/**
 * A record's own window has ended (no later record of the other side can be inside it unless out of order):
 * an unmatched left/outer record is then emitted at once, as Kafka Streams does (`timeTo < streamTime`).
 */
export const windowEnded = (w: JoinWindow, side: JoinSide, t: number, streamTime: number): boolean =>
  t + lookAheadMs(w, side) < streamTime;

/** The stream time after which an unmatched record of `side` at `t` is emitted alone (window end + grace). */
export const closeTime = (w: JoinWindow, side: JoinSide, t: number): number =>
  t + lookAheadMs(w, side) + w.graceMs;

/** Whether the window of an unmatched record has closed: Kafka Streams' outer join store emits it then. */
export const isClosed = (w: JoinWindow, side: JoinSide, t: number, streamTime: number): boolean =>
  closeTime(w, side, t) < streamTime;

/** The join types, and which sides are emitted alone when unmatched. */
export type JoinType = 'inner' | 'left' | 'outer';

export const emitsUnmatched = (type: JoinType, side: JoinSide): boolean =>
  type === 'outer' || (type === 'left' && side === 'left');
