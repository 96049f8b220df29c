import { ConfigError, LateRecordError, RetriableError, Stage, StepError } from '../errors.ts';
import type { FieldName } from '../fields.ts';
import { MetricName } from '../metrics.ts';
import type { DeadLetter } from '../outputs/output.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { deadLetterOf } from '../steps/per-record.ts';
import type { BatchDelivery, Loose, Step, StepContext, StepResult } from '../steps/step.ts';
import { assertTableRef, KeyType, type TableRef } from '../topology/resources.ts';
import { isReduction, type Reduction } from './aggregate-reduce.ts';
import { ORIGINS_ATTRIBUTE, OriginFence, originOf, separateLateCopies } from './origin-fence.ts';
import { checkSessionReduction, runSessions } from './session.ts';
import {
  StateAttribute as A,
  MAX_GROUP_KEY_BYTES,
  metaPk,
  metaSk,
  openBound,
  openPk,
  openSk,
  stateKeyPatterns,
  windowPk,
  windowSk,
} from './state-keys.ts';
import { MAX_STATE_BYTES, stateBytes, stateTooLarge } from './state-size.ts';
import type { Item, Put } from './state-store.ts';
import { openBatchState, partitionRecords } from './step-state.ts';
import {
  type Duration,
  durationMs,
  resolveWindow,
  type SessionDef,
  type WindowDef,
  type WindowSpec,
  windowsFor,
} from './window.ts';
import { WindowCache } from './window-cache.ts';

/**
 * One window's result, emitted once when the window closes: the step's output record value. Its record key is
 * `<key>@<windowStart>`, the same on every emission, so a consumer can drop a re-emitted copy.
 * @typeParam R - the reduction's result
 */
export interface WindowResult<R = Loose> {
  readonly key: string;
  readonly windowStart: number;
  /** Exclusive; for session windows the session's last record's time (inclusive, as Kafka Streams' end). */
  readonly windowEnd: number;
  readonly value: R;
}

/**
 * A record's grouping key or event time: a top-level field name of the value, or a function of it.
 * @typeParam V - the record value type
 */
export type Selector<V = Loose> = FieldName<V> | ((value: V, record: FlowRecord<V>) => unknown);

/**
 * Options of the `aggregate` step.
 * @typeParam In - the record value type
 * @typeParam R - the reduction's result
 */
export interface AggregateOptions<In = Loose, R = Loose> {
  /**
   * The aggregation's name: its step name and the prefix of its items in the state table (unique per table).
   * @example name: 'ratings-per-hour'
   */
  readonly name: string;
  /**
   * The table that keeps the windows, declared with `defineTables`; it needs string partition and sort keys
   * (any names). The flow is granted read and write on it; the CDK app gives it TTL on `_sluice_expires`.
   * @example state: tables.productStats
   */
  readonly state: TableRef;
  /**
   * The grouping key: a field name of the value, or a function. Must give a string or a finite number; a record
   * without one is dead-lettered. Kafka Streams groups within a partition: key the topic by it.
   * @example key: 'productId'
   */
  readonly key: Selector<In>;
  /**
   * The windows: `tumbling(size)`, `hopping(size, advance)` or `session(gap)` (sessions need a reduction with a
   * `merge`; a session closes at its last record + gap + grace, and its `windowEnd` is that last record's time).
   * @example window: tumbling('1h')
   * @example window: session('30m')
   */
  readonly window: WindowSpec;
  /**
   * Where a record's event time comes from: `'timestamp'` (the Kafka record's), or a field or function giving
   * epoch milliseconds or ISO-8601 text.
   * @default 'timestamp'
   * @example eventTime: 'createdAt'
   */
  readonly eventTime?: 'timestamp' | Selector<In>;
  /**
   * How long after a window's end it still takes records (in stream time, the largest event time seen on the
   * source partition). The window's result is emitted once stream time reaches end + grace; a record arriving
   * after that for all its windows is dead-lettered with stage `late`.
   * @default 0
   * @example grace: '10m'
   */
  readonly grace?: Duration;
  /**
   * How far an event time may lie after the record's Kafka timestamp; beyond it the record is dead-lettered
   * (it would push stream time ahead and close every window early). Not applied with `eventTime: 'timestamp'`.
   * @default '1d'
   * @example maxFuture: '1h'
   */
  readonly maxFuture?: Duration;
  /**
   * How long a window's item stays readable after end + grace before it expires (DynamoDB TTL, and filtered
   * out by `readWindows` before TTL gets to it).
   * @default '1d'
   * @example retention: '7d'
   */
  readonly retention?: Duration;
  /**
   * The reduction: `count()`, `sum(f)`, `min(f)`, `max(f)`, `avg(f)` or `reduce({ initial, add })`.
   * @example reduce: avg('rating')
   */
  readonly reduce: Reduction<In, Loose, R>;
  /**
   * How many window items the execution environment keeps in memory across warm invocations, so a batch reads
   * only the windows it has not written itself (trusted while the partition's meta item shows this
   * environment's last commit).
   * @default 10000
   * @example cachedWindows: 50_000
   */
  readonly cachedWindows?: number;
}

const KNOWN = new Set([
  'name',
  'state',
  'key',
  'window',
  'eventTime',
  'grace',
  'maxFuture',
  'retention',
  'reduce',
  'cachedWindows',
]);

interface Resolved {
  readonly window: WindowDef | SessionDef;
  readonly graceMs: number;
  readonly maxFutureMs: number;
  readonly retentionMs: number;
  readonly keyOf: (record: FlowRecord) => string;
  readonly timeOf: (record: FlowRecord) => number;
  readonly reduction: Reduction;
  readonly cachedWindows: number;
}

/** The latest event time accepted: Date's range (8.64e15 ms, year 275760). */
const MAX_TIME = 8.64e15;

const selectorPath = (v: unknown, path: string): ((value: Loose, record: FlowRecord) => unknown) => {
  if (typeof v === 'function') return v as (value: Loose, record: FlowRecord) => unknown;
  if (typeof v === 'string' && v.length > 0) return (value) => (value as Record<string, unknown> | null)?.[v];
  throw new ConfigError(path, 'must be a field name or a function');
};

/** Checks every option; a mistake is a ConfigError under `path` (the step's place in its flow once defined). */
const resolve = (o: AggregateOptions, table: TableRef, path: string): Resolved => {
  if (typeof o !== 'object' || o === null) throw new ConfigError(path, 'must be an options object');
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new ConfigError(`${path}.${k}`, 'unknown key');
  if (table.partitionKey.type !== KeyType.String || table.sortKey?.type !== KeyType.String)
    throw new ConfigError(
      `${path}.state`,
      `table "${table.name}" must have a string partition key and a string sort key to keep windows`,
    );
  const window = resolveWindow(o.window, `${path}.window`);
  const graceMs = durationMs(o.grace ?? 0, `${path}.grace`);
  const maxFutureMs = durationMs(o.maxFuture ?? '1d', `${path}.maxFuture`);
  const retentionMs = durationMs(o.retention ?? '1d', `${path}.retention`);
  if (!isReduction(o.reduce))
    throw new ConfigError(`${path}.reduce`, 'must be count(), sum(f), min(f), max(f), avg(f) or reduce({…})');
  const cachedWindows = o.cachedWindows ?? 10_000;
  if (!Number.isSafeInteger(cachedWindows) || cachedWindows < 1)
    throw new ConfigError(
      `${path}.cachedWindows`,
      `must be a whole number ≥ 1 (got ${JSON.stringify(cachedWindows)})`,
    );
  if (window.type === 'session') checkSessionReduction(o.reduce, `${path}.reduce`);
  const keyRead = selectorPath(o.key, `${path}.key`);
  const keyOf = (record: FlowRecord): string => {
    const key = keyRead(record.value, record);
    if (typeof key === 'number' && Number.isFinite(key)) return String(key);
    if (typeof key !== 'string')
      throw new StepError(
        `${o.name}: the grouping key is ${key === undefined ? 'missing' : `a ${typeof key}`}, not a string or number`,
      );
    if (Buffer.byteLength(key) > MAX_GROUP_KEY_BYTES)
      throw new StepError(`${o.name}: the grouping key is longer than ${MAX_GROUP_KEY_BYTES} bytes`);
    return key;
  };
  const eventTime = o.eventTime ?? 'timestamp';
  const timeRead = eventTime === 'timestamp' ? undefined : selectorPath(eventTime, `${path}.eventTime`);
  const timeOf = (record: FlowRecord): number => {
    const kafkaTime = record.source.timestamp;
    if (timeRead === undefined) {
      if (!(kafkaTime >= 0))
        throw new StepError(`${o.name}: the record has no Kafka timestamp (${kafkaTime})`);
      return kafkaTime;
    }
    const raw = timeRead(record.value, record);
    // Text longer than any ISO-8601 time is not parsed (the work on record text stays bounded).
    const t =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && raw.length <= 40
          ? Date.parse(raw)
          : Number.NaN;
    if (!Number.isFinite(t) || t < 0 || t > MAX_TIME)
      throw new StepError(
        `${o.name}: event time ${raw === undefined ? 'is missing' : `${JSON.stringify(String(raw).slice(0, 40))} is not a time (epoch ms or ISO-8601 after 1970)`}`,
      );
    const ms = Math.floor(t);
    if (kafkaTime >= 0 && ms > kafkaTime + maxFutureMs)
      throw new StepError(
        `${o.name}: event time ${new Date(ms).toISOString()} is more than ${maxFutureMs} ms after the record's Kafka timestamp ${new Date(kafkaTime).toISOString()}`,
      );
    return ms;
  };
  return { window, graceMs, maxFutureMs, retentionMs, keyOf, timeOf, reduction: o.reduce, cachedWindows };
};

/** What one partition's records did in `run`, for `commit`. */
interface PartitionRun {
  readonly partition: number;
  /** The committed offset the run started after (-1: none). */
  readonly committed: number;
  /** Each record read past it, in offset order, with the stream time after it (null: no event time yet). */
  readonly seen: { readonly offset: number; readonly streamTime: number | null }[];
  /** Open markers of the windows emitted in this batch, each with the offset of the record that carries it. */
  readonly emitted: { readonly pk: string; readonly sk: string; readonly offset: number }[];
}

interface Contribution {
  readonly offset: number;
  readonly input: unknown;
  readonly record: FlowRecord;
}

interface Touched {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly partition: number;
  readonly contributions: Contribution[];
}

/**
 * A windowed aggregation with its state in DynamoDB, emitting each window's result once, when it closes, as Kafka
 * Streams' `groupByKey().windowedBy(…).aggregate(…).suppress(untilWindowCloses(…))` does.
 *
 * Per batch and source partition: records at or below the partition's committed offset are skipped (delivered
 * before); the rest, in offset order, advance stream time and are judged late deterministically; contributions
 * are folded in memory per (key, window) and written once each (read, then a conditional put in a transaction,
 * fenced by the partition's highest applied offset on the window, so a replay changes nothing). Windows whose
 * end + grace stream time has reached are the step's output records. `commit`, after delivery, records the new
 * stream time and offset and forgets the emitted windows' markers. See ARCHITECTURE.md, "Windows".
 * @example aggregate({ name: 'ratings', state: tables.productStats, key: 'productId', window: tumbling('1h'), grace: '10m', reduce: avg('rating') })
 */
export const aggregate = <In = Loose, R = Loose>(
  // The value type comes from the flow builder's expected step, never from a field name (which would narrow it).
  options: AggregateOptions<NoInfer<In>, R>,
): Step<In, WindowResult<R>> => {
  const name = options?.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 100 || name.includes('|'))
    throw new ConfigError(
      'aggregate.name',
      'must be 1 to 100 characters without "|" (it prefixes the state items)',
    );
  const table = assertTableRef(options.state, `aggregate(${name}).state`);
  let resolved: Resolved | undefined;
  const config = (): Resolved =>
    (resolved ??= resolve(options as AggregateOptions, table, `aggregate(${name})`));
  let cache: WindowCache | undefined;

  const run = async (records: readonly FlowRecord[], context: StepContext): Promise<StepResult> => {
    const c = config();
    if (c.window.type === 'session')
      return runSessions({ ...c, window: c.window, name, table }, records, context);
    cache ??= new WindowCache(c.cachedWindows);
    const windowCache = cache;
    const { store, byPartition, partitions, metas } = await openBatchState(name, table, records, context);
    const deadLetters: DeadLetter[] = [];
    let dropped = 0;

    const runs: PartitionRun[] = [];
    const touched = new Map<string, Touched>();
    const streamTimes = new Map<number, number | null>();
    const byOffset = new Map<number, Map<number, FlowRecord>>();
    for (const p of partitions) {
      const meta = metas.get(`${metaPk(name)}\u0000${metaSk(p)}`);
      const committed = typeof meta?.[A.Offset] === 'number' ? (meta[A.Offset] as number) : -1;
      let streamTime = typeof meta?.[A.StreamTime] === 'number' ? (meta[A.StreamTime] as number) : null;
      windowCache.validate(p, meta?.[A.Writer]);
      const run: PartitionRun = { partition: p, committed, seen: [], emitted: [] };
      runs.push(run);
      const partition = partitionRecords(byPartition.get(p) as FlowRecord[], committed, context);
      byOffset.set(p, partition.byOffset);
      dropped += partition.skipped;
      for (const record of partition.fresh) {
        const offset = record.source.offset;
        const accepted = accept(record, c, streamTime, name);
        if (accepted === 'tombstone') dropped++;
        else if ('deadLetter' in accepted) deadLetters.push(accepted.deadLetter);
        else {
          streamTime = accepted.streamTime;
          for (const w of accepted.windows) {
            const id = `${w.start}\u0000${accepted.key}`;
            let t = touched.get(id);
            if (t === undefined) {
              t = { key: accepted.key, start: w.start, end: w.end, partition: p, contributions: [] };
              touched.set(id, t);
            }
            t.contributions.push({ offset, input: accepted.input, record });
          }
        }
        run.seen.push({ offset, streamTime });
      }
      streamTimes.set(p, streamTime);
    }
    // Origin fence (origin-fence.ts): a late record that is an upstream replay's copy is skipped, not late.
    const sorted = await separateLateCopies(
      deadLetters,
      context.trustsLineage,
      (record) => {
        const key = c.keyOf(record);
        return windowsFor(c.window as WindowDef, c.timeOf(record)).map((w) => ({
          pk: windowPk(name, key),
          sk: windowSk(w.start),
        }));
      },
      (keys) => store.read(keys),
    );
    deadLetters.splice(0, deadLetters.length, ...sorted.deadLetters);
    const copies = new Set<FlowRecord>();
    dropped += sorted.copies;
    const late = deadLetters.filter((d) => d.stage === Stage.Late).length;
    if (late > 0) context.metrics.count(MetricName.LateRecords, late);

    // Read what the cache cannot vouch for, fold above each window's fence, write each (key, window) once.
    const windows = [...touched.values()];
    const idOf = (w: Touched) => `${windowPk(name, w.key)}\u0000${windowSk(w.start)}`;
    const current = new Map<string, Item>();
    const unread: Touched[] = [];
    for (const w of windows) {
      const cached = windowCache.get(idOf(w), w.partition);
      if (cached === undefined) unread.push(w);
      else current.set(idOf(w), cached);
    }
    for (const [id, item] of await store.read(
      unread.map((w) => ({ pk: windowPk(name, w.key), sk: windowSk(w.start) })),
    ))
      current.set(id, item);
    const results = new Map<string, unknown>();
    const writes: { readonly id: string; readonly partition: number; readonly item: Item }[] = [];
    const shared: Put[] = [];
    const markers: Item[] = [];
    for (const w of windows) {
      const pk = windowPk(name, w.key);
      const sk = windowSk(w.start);
      const id = idOf(w);
      const item = current.get(id);
      const fences = { ...((item?.[A.Fences] as Record<string, number> | undefined) ?? {}) };
      const fence = fences[String(w.partition)] ?? -1;
      // A window this partition has written before has its marker (written first, deleted only once emitted,
      // after which its records are late): only a partition's first write to a window needs one.
      if (fences[String(w.partition)] === undefined)
        markers.push({
          [table.partitionKey.name]: openPk(name, w.partition),
          [(table.sortKey as { name: string }).name]: openSk(w.end, w.start, w.key),
          [A.Key]: w.key,
          [A.Start]: w.start,
          [A.End]: w.end,
          [A.Expires]: Math.ceil((w.end + c.graceMs + c.retentionMs) / 1000),
        });
      // One size check per window and batch; only a window grown past it is folded again record by record, so
      // that exactly the records that would overflow its item are dead-lettered (add does not mutate: redo is safe).
      let folded = foldWindow(c, name, w, item, fence, context.trustsLineage, false);
      if (folded.applied >= 0 && windowStateBytes(c, folded.acc) > MAX_STATE_BYTES)
        folded = foldWindow(c, name, w, item, fence, context.trustsLineage, true);
      const { acc, applied, origins } = folded;
      for (const record of folded.copies) copies.add(record);
      deadLetters.push(...folded.rejected);
      if (applied < 0) {
        results.set(id, item?.[A.Result] ?? null);
        continue;
      }
      const result = c.reduction.result(acc);
      results.set(id, result);
      fences[String(w.partition)] = applied;
      const next: Item = {
        [table.partitionKey.name]: pk,
        [(table.sortKey as { name: string }).name]: sk,
        [A.Key]: w.key,
        [A.Start]: w.start,
        [A.End]: w.end,
        [A.Accumulator]: acc,
        [A.Result]: result,
        [A.Fences]: fences,
        [ORIGINS_ATTRIBUTE]: origins.attribute(),
        [A.Version]: ((item?.[A.Version] as number | undefined) ?? 0) + 1,
        [A.Expires]: Math.ceil((w.end + c.graceMs + c.retentionMs) / 1000),
      };
      // Only this partition's records reach the window (the topic is keyed by the grouping key): the mapping's
      // one batch per partition at a time makes this run its only writer, so a batched put, fenced by offset,
      // is safe. A window other partitions write too keeps a conditional put on its version.
      if (Object.keys(fences).length > 1)
        shared.push({ item: next, version: item === undefined ? null : (item[A.Version] as number) });
      else writes.push({ id, partition: w.partition, item: next });
    }
    try {
      // Markers first: a crash before a window's put leaves a marker that the retry's put completes.
      await store.batchPut(markers);
      await store.batchPut(writes.map((w) => w.item));
      await store.putAll(shared);
    } catch (error) {
      // What landed is unknown: read these partitions' windows again next time.
      for (const p of partitions) windowCache.forget(p);
      throw error;
    }
    // They are the table's items now: kept while this environment stays the partition's only committer.
    for (const w of writes) windowCache.set(w.id, w.partition, w.item);
    dropped += copies.size;
    if (sorted.copies + copies.size > 0)
      context.metrics.count(MetricName.RecordsReplayed, sorted.copies + copies.size);

    // Emit what stream time has closed: the markers below the close time, in window-end order.
    const out: FlowRecord[] = [];
    for (const run of runs) {
      const streamTime = streamTimes.get(run.partition);
      if (streamTime === null || streamTime === undefined) continue;
      const markers = await store.query(openPk(name, run.partition), openBound(streamTime - c.graceMs));
      if (markers.length === 0) continue;
      const unknown = markers
        .map((m) => ({ pk: windowPk(name, m[A.Key] as string), sk: windowSk(m[A.Start] as number) }))
        .filter((k) => !results.has(`${k.pk}\u0000${k.sk}`));
      const uncached = unknown.filter((k) => {
        const item = windowCache.get(`${k.pk}\u0000${k.sk}`, run.partition);
        if (item !== undefined) results.set(`${k.pk}\u0000${k.sk}`, item[A.Result] ?? null);
        return item === undefined;
      });
      for (const [id, item] of await store.read(uncached)) results.set(id, item[A.Result] ?? null);
      const offsets = byOffset.get(run.partition) as Map<number, FlowRecord>;
      const first = [...offsets.values()][0] as FlowRecord;
      for (const m of markers) {
        const key = m[A.Key] as string;
        const start = m[A.Start] as number;
        const end = m[A.End] as number;
        const id = `${windowPk(name, key)}\u0000${windowSk(start)}`;
        // A marker without its window: that window's first put has not happened yet (a crashed batch, whose
        // records come again and write it); its marker stays until then.
        if (!results.has(id)) continue;
        // The record whose stream time closed the window carries its result (lineage); an older close, the first.
        const closer = run.seen.find((s) => s.streamTime !== null && s.streamTime - c.graceMs >= end);
        const carrier = (closer && offsets.get(closer.offset)) || first;
        out.push({
          source: carrier.source,
          key: `${key}@${start}`,
          value: {
            key,
            windowStart: start,
            windowEnd: end,
            value: results.get(id) ?? null,
          } satisfies WindowResult,
          headers: {},
        });
        run.emitted.push({
          pk: openPk(name, run.partition),
          sk: m[(table.sortKey as { name: string }).name] as string,
          offset: carrier.source.offset,
        });
      }
    }
    out.sort((a, b) => a.source.partition - b.source.partition || a.source.offset - b.source.offset);
    if (out.length > 0) context.metrics.count(MetricName.WindowsEmitted, out.length);

    const commit = async (delivered: BatchDelivery): Promise<void> => {
      for (const run of runs) {
        const failedAt = delivered.failed.get(run.partition);
        const done = failedAt === undefined ? run.seen : run.seen.filter((s) => s.offset < failedAt);
        const last = done[done.length - 1];
        if (last !== undefined && last.offset > run.committed) {
          const token = windowCache.token(run.partition);
          // Fenced on the offset this run started from: an invocation that lost the partition (a zombie that
          // timed out, a retry that ran elsewhere) cannot move stream time or the offset back.
          const held = await store.putIfAt(
            {
              [table.partitionKey.name]: metaPk(name),
              [(table.sortKey as { name: string }).name]: metaSk(run.partition),
              [A.StreamTime]: last.streamTime,
              [A.Offset]: last.offset,
              [A.Writer]: token,
            },
            A.Offset,
            run.committed,
          );
          if (!held) {
            windowCache.forget(run.partition);
            throw new RetriableError(
              `${name}: partition ${run.partition} was committed by another invocation since this batch read it (offset ${run.committed}); the batch is retried and skips what that one applied`,
            );
          }
          windowCache.committed(run.partition, token);
        }
        // After the meta item: a crash between the two re-emits these windows (same keys), never loses them.
        const forget = run.emitted.filter((e) => failedAt === undefined || e.offset < failedAt);
        await store.delete(forget.map(({ pk, sk }) => ({ pk, sk })));
      }
    };
    return { records: out, deadLetters, dropped, commit };
  };

  return {
    kind: 'aggregate',
    name,
    keepsStateIn: [table],
    stateKeys: stateKeyPatterns(name),
    groupsBy: typeof options.key === 'string' ? options.key : 'function',
    check: (path) => {
      resolved = resolve(options as AggregateOptions, table, path);
    },
    run,
  };
};

type Accepted =
  | 'tombstone'
  | { readonly deadLetter: DeadLetter }
  | {
      readonly key: string;
      readonly input: unknown;
      readonly streamTime: number;
      readonly windows: readonly { start: number; end: number }[];
    };

/**
 * One record against the stream time before it: its key, event time and input read (a throw dead-letters it at
 * stage `step`), then the windows still open at the new stream time; none open is a `late` dead letter. Only an
 * accepted record moves stream time.
 */
const accept = (record: FlowRecord, c: Resolved, streamTime: number | null, name: string): Accepted => {
  // Kafka Streams' aggregations skip null values too.
  if (isTombstone(record)) return 'tombstone';
  let key: string;
  let time: number;
  let input: unknown;
  try {
    key = c.keyOf(record);
    time = c.timeOf(record);
    input = c.reduction.input(record.value, record);
  } catch (error) {
    if (error instanceof RetriableError) throw error;
    return { deadLetter: deadLetterOf(record, error, name) };
  }
  const next = streamTime === null ? time : Math.max(streamTime, time);
  const closeTime = next - c.graceMs;
  const windows = windowsFor(c.window as WindowDef, time).filter((w) => w.end > closeTime);
  if (windows.length === 0) {
    const error = new LateRecordError(
      `${name}: event time ${new Date(time).toISOString()} is late: stream time ${new Date(next).toISOString()} less grace ${c.graceMs} ms has closed every window it falls in`,
    );
    return { deadLetter: { record, stage: Stage.Late, error, component: name } };
  }
  return { key, input, streamTime: next, windows };
};

/** A window's accumulator and result as stored. */
const windowStateBytes = (c: Resolved, acc: unknown): number =>
  stateBytes(acc) + stateBytes(c.reduction.result(acc));

/**
 * A window's contributions above its fence folded into its stored accumulator: what was applied, what the origin
 * fence left out as copies, and the dead letters of records the reduction refused (or, `checked`, that would grow
 * the window's state past MAX_STATE_BYTES).
 */
const foldWindow = (
  c: Resolved,
  name: string,
  w: Touched,
  item: Item | undefined,
  fence: number,
  trustsLineage: boolean | undefined,
  checked: boolean,
) => {
  let acc = item === undefined ? c.reduction.initial() : item[A.Accumulator];
  let applied = -1;
  const origins = OriginFence.of(item);
  const copies: FlowRecord[] = [];
  const rejected: DeadLetter[] = [];
  for (const contribution of w.contributions) {
    if (contribution.offset <= fence) continue;
    const origin = originOf(contribution.record, trustsLineage);
    if (!origins.admits(origin)) {
      copies.push(contribution.record);
      continue;
    }
    try {
      const next = c.reduction.add(acc, contribution.input);
      const bytes = checked ? windowStateBytes(c, next) : 0;
      if (bytes > MAX_STATE_BYTES) throw stateTooLarge(name, "the window's state", bytes);
      acc = next;
      applied = contribution.offset;
      origins.add(origin);
    } catch (error) {
      rejected.push(deadLetterOf(contribution.record, error, name));
    }
  }
  return { acc, applied, origins, copies, rejected };
};
