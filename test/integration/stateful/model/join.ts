/**
 * A reference model (not Sluice) of Kafka Streams' stream-stream join as the oracle runs it: join, leftJoin or
 * outerJoin within JoinWindows.ofTimeDifferenceAndGrace(..).before(..).after(..), in-memory stores; one task
 * per partition. It follows KStreamJoinWindow, KStreamKStreamJoin (with its outer-join store and shared stream
 * time) and InMemoryWindowStore of kafka-streams 4.1.1, and exists to prove the property-test harness.
 */
import type {
  Delivery,
  InputRecord,
  JoinAnswer,
  JoinPair,
  JoinSpec,
} from '../../../support/stateful/contract.ts';
import { type Breakage, runDeliveries } from './deliveries.ts';

type Side = 'left' | 'right';

/** One side's window store: a record is kept for before + after + grace behind the store's own stream time. */
class SideStore {
  time = -1;
  private records: InputRecord[] = [];
  constructor(private readonly retentionMs: number) {}

  /** Returns false when the record is already past retention (dropped, counted as dropped by Kafka Streams). */
  put(r: InputRecord): boolean {
    this.time = Math.max(this.time, r.timestamp);
    this.records = this.records.filter((x) => x.timestamp > this.time - this.retentionMs);
    if (r.timestamp <= this.time - this.retentionMs) return false;
    this.records.push(r);
    return true;
  }

  fetch(key: string, from: number, to: number): InputRecord[] {
    const min = Math.max(from, this.time - this.retentionMs + 1);
    return this.records
      .filter((x) => x.key === key && x.timestamp >= min && x.timestamp <= to)
      .sort((a, b) => a.timestamp - b.timestamp);
  }
}

/** The outer-join store: unmatched records by (timestamp, side: right before left, key), as its bytes sort. */
class OuterStore {
  private readonly entries = new Map<string, { ts: number; side: Side; key: string; ids: string[] }>();
  private static id = (ts: number, side: Side, key: string) => `${ts}/${side}/${key}`;

  add(r: InputRecord, side: Side): void {
    const id = OuterStore.id(r.timestamp, side, r.key);
    const entry = this.entries.get(id) ?? { ts: r.timestamp, side, key: r.key, ids: [] };
    entry.ids.push(r.id);
    this.entries.set(id, entry);
  }

  delete(ts: number, side: Side, key: string): void {
    this.entries.delete(OuterStore.id(ts, side, key));
  }

  sorted() {
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    return [...this.entries.values()].sort(
      (a, b) =>
        a.ts - b.ts ||
        (a.side === b.side ? 0 : a.side === 'right' ? -1 : 1) ||
        Buffer.compare(bytes(a.key), bytes(b.key)),
    );
  }
}

const task = (spec: JoinSpec, graceMs: number) => {
  const retentionMs = spec.beforeMs + spec.afterMs + graceMs;
  const stores = { left: new SideStore(retentionMs), right: new SideStore(retentionMs) };
  const outerStore = spec.type === 'inner' ? undefined : new OuterStore();
  const time = { stream: -1, min: Number.POSITIVE_INFINITY };
  const pair = (key: string, left: string | null, right: string | null): JoinPair => ({ key, left, right });

  const emitUnmatched = (store: OuterStore, thisAfterMs: number, out: JoinPair[]) => {
    if (time.min + thisAfterMs + graceMs >= time.stream) return;
    time.min = Number.POSITIVE_INFINITY;
    const open = { left: false, right: false };
    for (const entry of store.sorted()) {
      time.min = entry.ts;
      if (open.left && open.right) break;
      // A left record waits `after` for a right one; a right record waits `before`.
      const lookBack = entry.side === 'left' ? spec.afterMs : spec.beforeMs;
      if (time.min + lookBack + graceMs >= time.stream) {
        open[entry.side] = true;
        continue;
      }
      for (const id of entry.ids)
        out.push(entry.side === 'left' ? pair(entry.key, id, null) : pair(entry.key, null, id));
      store.delete(entry.ts, entry.side, entry.key);
    }
  };

  return (r: InputRecord): { out: JoinPair[]; late: boolean } => {
    const side: Side = r.side === 'right' ? 'right' : 'left';
    const other: Side = side === 'left' ? 'right' : 'left';
    const [before, after] = side === 'left' ? [spec.beforeMs, spec.afterMs] : [spec.afterMs, spec.beforeMs];
    const outer = side === 'left' ? spec.type !== 'inner' : spec.type === 'outer';
    const out: JoinPair[] = [];
    // KStreamJoinWindow forwards the record to the join first, and stores it after.
    time.stream = Math.max(time.stream, r.timestamp);
    if (outerStore && r.timestamp === time.stream) emitUnmatched(outerStore, after, out);
    const timeTo = Math.max(0, r.timestamp + after);
    const matches = stores[other].fetch(r.key, Math.max(0, r.timestamp - before), timeTo);
    for (const m of matches) {
      outerStore?.delete(m.timestamp, other, r.key);
      out.push(side === 'left' ? pair(r.key, r.id, m.id) : pair(r.key, m.id, r.id));
    }
    if (outer && matches.length === 0) {
      if (!outerStore || timeTo < time.stream)
        out.push(side === 'left' ? pair(r.key, r.id, null) : pair(r.key, null, r.id));
      else {
        time.min = Math.min(time.min, r.timestamp);
        outerStore.add(r, side);
      }
    }
    return { out, late: !stores[side].put(r) };
  };
};

export const modelJoin = (
  spec: JoinSpec,
  deliveries: readonly Delivery[],
  breakage: Breakage = {},
): JoinAnswer => {
  const graceMs = breakage.noGrace ? 0 : spec.graceMs;
  const tasks = new Map<number, ReturnType<typeof task>>();
  const { emitted, late } = runDeliveries<JoinPair>(
    deliveries,
    (record) => {
      const t = tasks.get(record.partition) ?? task(spec, graceMs);
      tasks.set(record.partition, t);
      return t(record);
    },
    breakage,
  );
  return { pairs: emitted, late };
};
