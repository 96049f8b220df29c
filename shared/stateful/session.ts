/**
 * `aggregate({ window: session(gap) })`: session windows with their state in DynamoDB. The rules are
 * `session-plan.ts`'s; this module reads and writes the state and emits closed sessions (see ARCHITECTURE.md,
 * "Windows", sessions).
 *
 * A key's sessions change shape (a record extends one, or bridges two into one), so they are kept in one item per
 * key, `w|<name>|<key>` / `sessions`, written with one conditional put: the sessions, and per source partition the
 * highest offset applied (the fence) and what was decided for records below it that changed nothing (late, or
 * refused by a typed reduce), so a replay re-emits those dead letters instead of losing them. Open markers and the
 * per-partition meta item are the fixed windows' (`state-keys.ts`).
 */
import { ConfigError, LateRecordError, RetriableError, Stage, StepError } from '../errors.ts';
import { MetricName } from '../metrics.ts';
import type { DeadLetter } from '../outputs/output.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { deadLetterOf } from '../steps/per-record.ts';
import type { BatchDelivery, StepContext, StepResult } from '../steps/step.ts';
import type { TableRef } from '../topology/resources.ts';
import type { WindowResult } from './aggregate.ts';
import type { Reduction } from './aggregate-reduce.ts';
import { ORIGINS_ATTRIBUTE, OriginFence, originOf } from './origin-fence.ts';
import {
  liveSessions,
  placeRecord,
  type Session,
  type SessionTimes,
  sessionCloseTime,
} from './session-plan.ts';
import { StateAttribute as A, metaPk, metaSk, openBound, openPk, openSk, windowPk } from './state-keys.ts';
import { MAX_STATE_BYTES, stateBytes, stateTooLarge } from './state-size.ts';
import type { Item, Put } from './state-store.ts';
import { openBatchState, partitionRecords } from './step-state.ts';
import type { SessionDef } from './window.ts';

/** The sort key of a key's sessions item (sorts before '~', the interactive query's bound). */
export const SESSIONS_SK = 'sessions';
/** Attributes of the sessions item besides `StateAttribute`'s. */
const Sessions = 'sessions';
const Decided = 'decided';

/** What `aggregate` resolved, as sessions need it. */
export interface SessionConfig {
  readonly name: string;
  readonly table: TableRef;
  readonly window: SessionDef;
  readonly graceMs: number;
  readonly retentionMs: number;
  readonly keyOf: (record: FlowRecord) => string;
  readonly timeOf: (record: FlowRecord) => number;
  readonly reduction: Reduction;
}

/** Session windows merge accumulators: a reduction without `merge` is refused when the flow is defined. */
export const checkSessionReduction = (reduction: Reduction, path: string): void => {
  if (typeof reduction.merge !== 'function')
    throw new ConfigError(
      `${path}.merge`,
      'session windows merge sessions a record bridges: give reduce({ initial, add, merge }) a merge(a, b)',
    );
};

interface StoredSession {
  readonly start: number;
  readonly end: number;
  readonly acc: unknown;
  readonly result: unknown;
}

/** A key's state as read, and as the batch changes it. */
interface KeyState {
  readonly key: string;
  readonly partition: number;
  readonly item: Item | undefined;
  sessions: Session[];
  /** Highest offset applied per partition (as read). */
  readonly fences: Record<string, number>;
  /** Per lineage path, the highest origin offset applied: an upstream replay's copies are left out. */
  readonly origins: OriginFence;
  /** `<partition>/<offset>` → the stage and reason of a record that changed nothing (as read, then this batch's). */
  readonly decided: Record<string, { stage: string; reason: string }>;
  applied: number;
}

interface PartitionRun {
  readonly partition: number;
  readonly committed: number;
  readonly committedStreamTime: number | null;
  readonly seen: { readonly offset: number; readonly streamTime: number | null }[];
  readonly emitted: { readonly pk: string; readonly sk: string; readonly offset: number }[];
  /** Markers of sessions that no longer exist (merged or extended): forgotten at commit. */
  readonly stale: { readonly pk: string; readonly sk: string }[];
}

const itemId = (pk: string, sk: string) => `${pk}\u0000${sk}`;

/** One batch of a session aggregation: the step's `run`. */
export const runSessions = async (
  c: SessionConfig,
  records: readonly FlowRecord[],
  context: StepContext,
): Promise<StepResult> => {
  const { name, table } = c;
  const pkName = table.partitionKey.name;
  const skName = (table.sortKey as { name: string }).name;
  const times: SessionTimes = { gapMs: c.window.gapMs, graceMs: c.graceMs };
  const { store, byPartition, partitions, metas } = await openBatchState(name, table, records, context);
  const deadLetters: DeadLetter[] = [];
  let dropped = 0;

  // Pass 1: records past the committed offset, in offset order, read (key, time, input) or dead-lettered.
  interface Read {
    readonly record: FlowRecord;
    readonly key: string;
    readonly time: number;
    readonly input: unknown;
  }
  const runs: PartitionRun[] = [];
  const reads = new Map<number, (Read | { readonly record: FlowRecord })[]>();
  const byOffset = new Map<number, Map<number, FlowRecord>>();
  const keys = new Map<string, number>();
  for (const p of partitions) {
    const meta = metas.get(itemId(metaPk(name), metaSk(p)));
    const committed = typeof meta?.[A.Offset] === 'number' ? (meta[A.Offset] as number) : -1;
    const committedStreamTime =
      typeof meta?.[A.StreamTime] === 'number' ? (meta[A.StreamTime] as number) : null;
    runs.push({ partition: p, committed, committedStreamTime, seen: [], emitted: [], stale: [] });
    const partition = partitionRecords(byPartition.get(p) as FlowRecord[], committed, context);
    byOffset.set(p, partition.byOffset);
    dropped += partition.skipped;
    const list: (Read | { readonly record: FlowRecord })[] = [];
    reads.set(p, list);
    for (const record of partition.fresh) {
      if (isTombstone(record)) {
        dropped++;
        list.push({ record });
        continue;
      }
      try {
        const key = c.keyOf(record);
        list.push({ record, key, time: c.timeOf(record), input: c.reduction.input(record.value, record) });
        keys.set(key, p);
      } catch (error) {
        if (error instanceof RetriableError) throw error;
        deadLetters.push(deadLetterOf(record, error, name));
        list.push({ record });
      }
    }
  }

  // The keys' sessions, read consistently (the last batch's writes).
  const items = await store.read(
    [...keys.keys()].map((key) => ({ pk: windowPk(name, key), sk: SESSIONS_SK })),
  );
  const states = new Map<string, KeyState>();
  for (const [key, partition] of keys) {
    const item = items.get(itemId(windowPk(name, key), SESSIONS_SK));
    const stored = (item?.[Sessions] as StoredSession[] | undefined) ?? [];
    states.set(key, {
      key,
      partition,
      item,
      sessions: stored.map(({ start, end, acc }) => ({ start, end, acc })),
      fences: { ...((item?.[A.Fences] as Record<string, number> | undefined) ?? {}) },
      origins: OriginFence.of(item),
      decided: { ...((item?.[Decided] as KeyState['decided'] | undefined) ?? {}) },
      applied: -1,
    });
  }

  // Pass 2: per partition in offset order, stream time from the committed one, each record placed in its key's
  // sessions. Records at or below their key's fence were decided by an earlier attempt: only its dead letters
  // come again. A record that changes nothing leaves its key unwritten, so a retry decides it the same way.
  const streamTimes = new Map<number, number | null>();
  let late = 0;
  let copies = 0;
  for (const run of runs) {
    const p = run.partition;
    let streamTime = run.committedStreamTime;
    for (const read of reads.get(p) as (Read | { readonly record: FlowRecord })[]) {
      const offset = read.record.source.offset;
      if (!('key' in read)) {
        run.seen.push({ offset, streamTime });
        continue;
      }
      const state = states.get(read.key) as KeyState;
      const before = streamTime;
      const after = before === null ? read.time : Math.max(before, read.time);
      streamTime = after;
      run.seen.push({ offset, streamTime });
      const fence = state.fences[String(p)] ?? -1;
      if (offset <= fence) {
        const decision = state.decided[`${p}/${offset}`];
        if (decision !== undefined) {
          const error =
            decision.stage === Stage.Late
              ? new LateRecordError(decision.reason)
              : new StepError(decision.reason);
          if (decision.stage === Stage.Late) late++;
          deadLetters.push({ record: read.record, stage: decision.stage as Stage, error, component: name });
        }
        continue;
      }
      // Origin fence (origin-fence.ts), before lateness: a copy an upstream replay made is left out, not late.
      const origin = originOf(read.record, context.trustsLineage);
      if (!state.origins.admits(origin)) {
        copies++;
        continue;
      }
      let placed = placeRecord(state.sessions, read.time, before, after, times, c.reduction, read.input);
      if (placed.kind === 'merged') {
        // All of a key's live sessions are one item: a record that would grow it past what DynamoDB stores is
        // dead-lettered (an item over 400 KB would fail the batch on every retry).
        const bytes = sessionsBytes(placed.sessions, c.reduction);
        if (bytes <= MAX_STATE_BYTES) {
          state.sessions = placed.sessions;
          state.applied = offset;
          state.origins.add(origin);
          continue;
        }
        placed = {
          kind: 'failed',
          error: stateTooLarge(name, `key ${JSON.stringify(state.key)}'s sessions`, bytes),
        };
      }
      let letter: DeadLetter;
      if (placed.kind === 'late') {
        late++;
        const error = new LateRecordError(
          `${name}: event time ${new Date(read.time).toISOString()} is late: its session would end at ${new Date(placed.end).toISOString()}, before stream time ${new Date(after).toISOString()} less gap ${times.gapMs} ms and grace ${times.graceMs} ms`,
        );
        letter = { record: read.record, stage: Stage.Late, error, component: name };
      } else letter = deadLetterOf(read.record, placed.error, name);
      deadLetters.push(letter);
      state.decided[`${p}/${offset}`] = { stage: letter.stage, reason: letter.error.message };
    }
    streamTimes.set(p, streamTime);
  }
  if (late > 0) context.metrics.count(MetricName.LateRecords, late);
  dropped += copies;
  if (copies > 0) context.metrics.count(MetricName.RecordsReplayed, copies);

  // One conditional put per key whose sessions changed; markers of its new or changed sessions first.
  const markers: Item[] = [];
  const writes: Put[] = [];
  const committedOf = new Map(runs.map((r) => [r.partition, r]));
  const retention = times.gapMs + times.graceMs;
  for (const state of states.values()) {
    if (state.applied < 0) continue;
    const p = state.partition;
    const run = committedOf.get(p) as PartitionRun;
    const stored = (state.item?.[Sessions] as StoredSession[] | undefined) ?? [];
    const was = new Set(stored.map((s) => `${s.start}/${s.end}`));
    // Sessions this batch made or changed stay (and get markers) even if already closed: a merge can end
    // exactly at close time and is emitted by this batch. Unchanged ones closed at the committed stream time go.
    const changed = state.sessions.filter((s) => !was.has(`${s.start}/${s.end}`));
    const kept = [
      ...liveSessions(
        state.sessions.filter((s) => was.has(`${s.start}/${s.end}`)),
        run.committedStreamTime,
        times,
      ),
      ...changed,
    ].sort((a, b) => a.end - b.end || a.start - b.start);
    for (const s of changed)
      markers.push({
        [pkName]: openPk(name, p),
        [skName]: openSk(s.end, s.start, state.key),
        [A.Key]: state.key,
        [A.Start]: s.start,
        [A.End]: s.end,
        [A.Expires]: expiry(s.end, retention, c.retentionMs),
      });
    const decided: KeyState['decided'] = {};
    for (const [id, d] of Object.entries(state.decided)) {
      const [dp, offset] = id.split('/').map(Number) as [number, number];
      const floor = committedOf.get(dp)?.committed ?? -1;
      if (offset > floor && (dp !== p || offset < state.applied)) decided[id] = d;
    }
    const end = Math.max(0, ...kept.map((s) => s.end));
    writes.push({
      item: {
        [pkName]: windowPk(name, state.key),
        [skName]: SESSIONS_SK,
        [A.Key]: state.key,
        [Sessions]: kept.map((s) => ({
          start: s.start,
          end: s.end,
          acc: s.acc,
          result: c.reduction.result(s.acc),
        })),
        [A.Fences]: { ...state.fences, [String(p)]: state.applied },
        [ORIGINS_ATTRIBUTE]: state.origins.attribute(),
        [Decided]: decided,
        [A.Version]: ((state.item?.[A.Version] as number | undefined) ?? 0) + 1,
        [A.Expires]: expiry(end, retention, c.retentionMs),
      },
      version: state.item === undefined ? null : (state.item[A.Version] as number),
    });
  }
  await store.batchPut(markers);
  await store.putAll(writes);

  // Emit the sessions stream time has closed: markers whose end ≤ stream time − gap − grace.
  const out: FlowRecord[] = [];
  for (const run of runs) {
    const streamTime = streamTimes.get(run.partition);
    if (streamTime === null || streamTime === undefined) continue;
    const found = await store.query(
      openPk(name, run.partition),
      openBound(sessionCloseTime(streamTime, times)),
    );
    if (found.length === 0) continue;
    const unread = [...new Set(found.map((m) => m[A.Key] as string))].filter((k) => !states.has(k));
    const more = await store.read(unread.map((key) => ({ pk: windowPk(name, key), sk: SESSIONS_SK })));
    const sessionsOf = (key: string): readonly { start: number; end: number; acc: unknown }[] => {
      const state = states.get(key);
      if (state) return state.sessions;
      return (
        (more.get(itemId(windowPk(name, key), SESSIONS_SK))?.[Sessions] as StoredSession[] | undefined) ?? []
      );
    };
    const offsets = byOffset.get(run.partition) as Map<number, FlowRecord>;
    const first = [...offsets.values()][0] as FlowRecord;
    for (const m of found) {
      const key = m[A.Key] as string;
      const start = m[A.Start] as number;
      const end = m[A.End] as number;
      const marker = { pk: openPk(name, run.partition), sk: m[skName] as string };
      const session = sessionsOf(key).find((s) => s.start === start && s.end === end);
      // Merged into another session or extended since: that one has its own marker.
      if (session === undefined) {
        run.stale.push(marker);
        continue;
      }
      const closer = run.seen.find(
        (s) => s.streamTime !== null && sessionCloseTime(s.streamTime, times) >= end,
      );
      const carrier = (closer && offsets.get(closer.offset)) || first;
      out.push({
        source: carrier.source,
        key: `${key}@${start}`,
        value: {
          key,
          windowStart: start,
          windowEnd: end,
          value: c.reduction.result(session.acc),
        } satisfies WindowResult,
        headers: {},
      });
      run.emitted.push({ ...marker, offset: carrier.source.offset });
    }
  }
  out.sort((a, b) => a.source.partition - b.source.partition || a.source.offset - b.source.offset);
  if (out.length > 0) context.metrics.count(MetricName.WindowsEmitted, out.length);

  const commit = async (delivered: BatchDelivery): Promise<void> => {
    for (const run of runs) {
      const failedAt = delivered.failed.get(run.partition);
      const done = failedAt === undefined ? run.seen : run.seen.filter((s) => s.offset < failedAt);
      const last = done[done.length - 1];
      if (last !== undefined && last.offset > run.committed)
        await store.putUnlessAhead(
          {
            [pkName]: metaPk(name),
            [skName]: metaSk(run.partition),
            [A.StreamTime]: last.streamTime,
            [A.Offset]: last.offset,
          },
          A.Offset,
          last.offset,
        );
      // After the meta item: a crash between the two emits these sessions again (same keys and values).
      const forget = run.emitted.filter((e) => failedAt === undefined || e.offset < failedAt);
      await store.delete([...forget, ...run.stale].map(({ pk, sk }) => ({ pk, sk })));
    }
  };
  return { records: out, deadLetters, dropped, commit };
};

/** A key's sessions as its item stores them. */
const sessionsBytes = (sessions: readonly Session[], reduction: Reduction): number =>
  stateBytes(
    sessions.map((s) => ({ start: s.start, end: s.end, acc: s.acc, result: reduction.result(s.acc) })),
  );

/** Epoch seconds after which the item may go: its last session's close (end + gap + grace) plus `retention`. */
const expiry = (end: number, closeAfterMs: number, retentionMs: number): number =>
  Math.ceil((end + closeAfterMs + retentionMs) / 1000);
