/**
 * Session windows' rules, pure (no I/O): Kafka Streams 4.1's `KStreamSessionWindowAggregate` over an
 * `InMemorySessionStore`, followed by `suppress(untilWindowCloses)`.
 *
 * - A record at `t` opens the session `[t, t]` and merges with every session of its key that ends at or after
 *   `t - gap` and starts at or before `t + gap` (the merged accumulator is `merge(...merge(initial, s1)..., sn)`
 *   and then the record is added, sessions taken oldest end first, as the store iterates them).
 * - A session is gone from the store (cannot be merged with) once it ended at or before the stream time before
 *   the record less gap + grace: the store's retention.
 * - A record is late when the merged session ends before stream time − gap − grace (the processor's rule).
 *   At exactly that time Kafka Streams counts the record in the session it emits, yet its store refuses to keep
 *   the session and its dropped-records metric counts the record: Sluice counts it and does not call it late.
 * - A session is emitted once, when its end ≤ stream time − gap − grace.
 */
import type { Reduction } from './aggregate-reduce.ts';

/** One session of a key: `[start, end]`, both inclusive (the first and last record's event time). */
export interface Session<A = unknown> {
  readonly start: number;
  readonly end: number;
  readonly acc: A;
}

/** The session rules' settings: the inactivity gap and the grace, in milliseconds. */
export interface SessionTimes {
  readonly gapMs: number;
  readonly graceMs: number;
}

/** A session has closed (is emitted, and nothing merges with it) once its end ≤ this. */
export const sessionCloseTime = (streamTime: number, times: SessionTimes): number =>
  streamTime - times.gapMs - times.graceMs;

export const isSessionClosed = (end: number, streamTime: number, times: SessionTimes): boolean =>
  end <= sessionCloseTime(streamTime, times);

/** What one record does to its key's sessions. */
export type Placement<A> =
  | { readonly kind: 'late'; readonly end: number }
  | { readonly kind: 'failed'; readonly error: unknown }
  | {
      readonly kind: 'merged';
      /** The key's sessions after the record, oldest end first. */
      readonly sessions: Session<A>[];
      /** The session the record is now in. */
      readonly session: Session<A>;
      /** The sessions it replaced (merged into `session`). */
      readonly replaced: Session<A>[];
    };

/**
 * One record at `time` against its key's `sessions`. `before` is the partition's stream time before the record
 * (null: none yet), `after` with it. `add` throwing (a typed reduce) is `failed`: the caller dead-letters the
 * record and the sessions stay as they were.
 */
export const placeRecord = <A>(
  sessions: readonly Session<A>[],
  time: number,
  before: number | null,
  after: number,
  times: SessionTimes,
  reduction: Pick<Reduction<unknown, A>, 'initial' | 'add' | 'merge'>,
  input: unknown,
): Placement<A> => {
  const { gapMs } = times;
  const found = sessions
    .filter(
      (s) =>
        (before === null || !isSessionClosed(s.end, before, times)) &&
        s.end >= time - gapMs &&
        s.start <= time + gapMs,
    )
    .sort((a, b) => a.end - b.end || a.start - b.start);
  let start = time;
  let end = time;
  for (const s of found) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
  }
  if (end < sessionCloseTime(after, times)) return { kind: 'late', end };
  const merge = reduction.merge as (a: A, b: A) => A;
  let acc: A;
  try {
    acc = found.reduce((a, s) => merge(a, s.acc), reduction.initial());
    acc = reduction.add(acc, input);
  } catch (error) {
    return { kind: 'failed', error };
  }
  const session: Session<A> = { start, end, acc };
  const rest = sessions.filter((s) => !found.includes(s));
  return {
    kind: 'merged',
    sessions: [...rest, session].sort((a, b) => a.end - b.end || a.start - b.start),
    session,
    replaced: found,
  };
};

/**
 * The sessions worth keeping once stream time `committed` is delivered: those not closed at it. A session closed
 * at a committed stream time was emitted by a batch whose outputs were delivered.
 */
export const liveSessions = <A>(
  sessions: readonly Session<A>[],
  committed: number | null,
  times: SessionTimes,
): Session<A>[] =>
  committed === null ? [...sessions] : sessions.filter((s) => !isSessionClosed(s.end, committed, times));
