/**
 * A reference model (not Sluice) of Kafka Streams' windowed aggregation emitted on window close, as the oracle
 * runs it: windowedBy + aggregate + suppress(untilWindowCloses), in-memory stores, no record cache; one task
 * per partition. It follows KStreamWindowAggregate, KStreamSessionWindowAggregate, InMemorySessionStore and
 * KTableSuppressProcessor of kafka-streams 4.1.1, and exists to prove the property-test harness.
 */
import type {
  AggregateAnswer,
  AggregateSpec,
  Delivery,
  InputRecord,
  ReductionName,
  WindowResult,
} from '../../../support/stateful/contract.ts';
import { type Breakage, runDeliveries } from './deliveries.ts';

interface Stats {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

const empty: Stats = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
const add = (s: Stats, v: number): Stats => ({
  count: s.count + 1,
  sum: s.sum + v,
  min: Math.min(s.min, v),
  max: Math.max(s.max, v),
});
const merge = (a: Stats, b: Stats): Stats => ({
  count: a.count + b.count,
  sum: a.sum + b.sum,
  min: Math.min(a.min, b.min),
  max: Math.max(a.max, b.max),
});
const reduce = (name: ReductionName, s: Stats): number =>
  name === 'avg' ? s.sum / s.count : name === 'count' ? s.count : s[name];

interface Window {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}
const idOf = (w: Window) => `${w.key}\u0000${w.start}\u0000${w.end}`;

/**
 * suppress(untilWindowCloses): the latest value per window, emitted once stream time reaches end + `waitMs`
 * (grace; gap + grace for sessions).
 */
class Suppress {
  private time = -1;
  private readonly buffer = new Map<string, { window: Window; stats: Stats | null }>();
  constructor(private readonly waitMs: number) {}

  put(window: Window, stats: Stats | null, timestamp: number, emit: (w: Window, s: Stats) => void): void {
    this.time = Math.max(this.time, timestamp);
    this.buffer.set(idOf(window), { window, stats });
    for (const [id, entry] of this.buffer)
      if (entry.window.end <= this.time - this.waitMs) {
        this.buffer.delete(id);
        if (entry.stats) emit(entry.window, entry.stats);
      }
  }
}

type Emit = (w: Window, s: Stats) => void;

/** One task (partition) of a tumbling or hopping aggregation. */
const timeWindows = (sizeMs: number, advanceMs: number, graceMs: number) => {
  let streamTime = -1;
  const store = new Map<string, { stats: Stats; timestamp: number }>();
  const suppress = new Suppress(graceMs);
  return (r: InputRecord, emit: Emit): boolean => {
    streamTime = Math.max(streamTime, r.timestamp);
    const closeTime = streamTime - graceMs;
    let late = false;
    let start = Math.floor(Math.max(0, r.timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs;
    for (; start <= r.timestamp; start += advanceMs) {
      const window = { key: r.key, start, end: start + sizeMs };
      if (window.end <= closeTime) {
        late = true;
        continue;
      }
      const old = store.get(idOf(window));
      const next = {
        stats: add(old?.stats ?? empty, r.value),
        timestamp: Math.max(r.timestamp, old?.timestamp ?? r.timestamp),
      };
      store.set(idOf(window), next);
      suppress.put(window, next.stats, next.timestamp, emit);
    }
    return late;
  };
};

/** One task (partition) of a session aggregation. */
const sessionWindows = (gapMs: number, graceMs: number) => {
  let streamTime = -1;
  let storeTime = -1;
  const retentionMs = gapMs + graceMs;
  let sessions: { window: Window; stats: Stats }[] = [];
  // A session closes gap + grace after its end: until then a record may still extend it.
  const suppress = new Suppress(gapMs + graceMs);
  const purge = () => {
    // The in-memory session store forgets sessions that ended before its time - retention + 1.
    sessions = sessions.filter((s) => s.window.end >= Math.max(0, storeTime - retentionMs + 1));
  };
  return (r: InputRecord, emit: Emit): boolean => {
    streamTime = Math.max(streamTime, r.timestamp);
    const closeTime = streamTime - graceMs - gapMs;
    purge();
    const found = sessions
      .filter(
        (s) =>
          s.window.key === r.key &&
          s.window.end >= r.timestamp - gapMs &&
          s.window.start <= r.timestamp + gapMs,
      )
      .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
    const start = Math.min(r.timestamp, ...found.map((s) => s.window.start));
    const end = Math.max(r.timestamp, ...found.map((s) => s.window.end));
    if (end < closeTime) return true;
    const merged = { key: r.key, start, end };
    if (start !== r.timestamp || end !== r.timestamp)
      for (const s of found) {
        sessions = sessions.filter((x) => x !== s);
        suppress.put(s.window, null, s.window.end, emit);
      }
    else sessions = sessions.filter((x) => !found.includes(x));
    const stats = add(
      found.reduce((agg, s) => merge(agg, s.stats), empty),
      r.value,
    );
    // The store's put skips (and counts as dropped) a session already past its retention, which the
    // processor's close check (strictly before) let through; the update still goes on to suppress.
    purge();
    storeTime = Math.max(storeTime, end);
    const expired = end <= storeTime - retentionMs;
    if (!expired) sessions.push({ window: merged, stats });
    suppress.put(merged, stats, end, emit);
    return expired;
  };
};

export const modelAggregate = (
  spec: AggregateSpec,
  deliveries: readonly Delivery[],
  breakage: Breakage = {},
): AggregateAnswer => {
  const graceMs = breakage.noGrace ? 0 : spec.graceMs;
  const w = spec.window;
  const task = () =>
    w.type === 'session'
      ? sessionWindows(w.gapMs, graceMs)
      : timeWindows(w.sizeMs, w.type === 'hopping' ? w.advanceMs : w.sizeMs, graceMs);
  const tasks = new Map<number, ReturnType<typeof task>>();
  const { emitted, late } = runDeliveries<WindowResult>(
    deliveries,
    (record) => {
      const t = tasks.get(record.partition) ?? task();
      tasks.set(record.partition, t);
      const out: WindowResult[] = [];
      const isLate = t(record, (window, stats) =>
        out.push({
          key: window.key,
          windowStart: window.start,
          windowEnd: window.end,
          value: reduce(spec.reduce, stats),
        }),
      );
      return { out, late: isLate };
    },
    breakage,
  );
  return { results: emitted, late };
};
