import { dynamoDbClient } from '../clients/dynamodb.ts';
import { LateRecordError, Stage, StepError } from '../errors.ts';
import type { DeadLetter } from '../outputs/output.ts';
import type { FlowRecord } from '../record.ts';
import type { Loose, Step, StepResult } from '../steps/step.ts';
import { checkJoinName, checkJoinOptions, type JoinDescription, type JoinOptions } from './join-options.ts';
import type { Decision, KeptRecord, PlanRecord } from './join-plan.ts';
import type { JoinState } from './join-state.ts';
import { emitsUnmatched, type JoinSide, otherSide, pairRange } from './join-window.ts';
import { joinKeyPatterns, MAX_GROUP_KEY_BYTES } from './state-keys.ts';

/** A join step: a Step that also describes its join, for defineTopology's co-partitioning check. */
export interface JoinStep<In = Loose, Out = Loose> extends Step<In, Out> {
  readonly kind: 'join';
  readonly join: JoinDescription;
}

/** Header naming the left and right records of an emitted result (`<topic>/<partition>/<offset>`, or empty). */
export const JOIN_LEFT_HEADER = 'sluice.join.left';
export const JOIN_RIGHT_HEADER = 'sluice.join.right';

// DynamoDB items are at most 400 KB; a value near it cannot be kept with its key and attributes.
const MAX_VALUE_CHARS = 350_000;

const field = (value: unknown, path: string): unknown => {
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
};

/**
 * A stream–stream join (Kafka Streams' `KStream.join/leftJoin/outerJoin` with `JoinWindows`), one step per side:
 * each side's flow keeps its records in the shared state table, then reads the other side's records of the same
 * key and partition within the window, and emits each pair once (a claim per pair, owned by the record that
 * emits it, so a replay emits it again and nobody else does). Stream time is kept per partition over both sides;
 * a record older than stream time minus the window and grace is dead-lettered as `late`. For left and outer
 * joins, a record that found no pair is emitted alone once its window closes (or at once if it had already
 * ended), unless a pair was found for it meanwhile. The close watermark advances only in the commit phase,
 * after the batch is delivered.
 * Options are checked when `defineFlow` runs (a mistake names `flows.<flow>.steps[i].<field>`), or at first use.
 * @example join({ name: 'verified-reviews', state: tables.joinState, side: 'left', other: topics.orders,
 *   key: 'customerId', within: { before: '30d', after: 0 }, grace: '1h' })
 */
export const join = <In = Loose, Other = Loose, Out = Loose>(
  options: JoinOptions<In, Other, Out>,
): JoinStep<In, Out> => {
  const name = checkJoinName(options as JoinOptions);
  // Checked by defineFlow with the step's place (so errors name the flow), else at first use.
  let checked: JoinDescription | undefined;
  const described = (): JoinDescription => (checked ??= checkJoinOptions(options as JoinOptions));
  const keyOf = options.key;
  const eventTime = options.eventTime ?? 'timestamp';
  const joiner = options.as ?? ((left: unknown, right: unknown) => ({ left, right }));
  const concurrency = options.concurrency ?? 16;

  const readKey = (record: FlowRecord): string => {
    const raw =
      keyOf === undefined
        ? record.key
        : typeof keyOf === 'function'
          ? keyOf(record.value as In, record as FlowRecord<In>)
          : field(record.value, keyOf);
    if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
    if (typeof raw !== 'string' || raw.length === 0)
      throw new StepError(
        `join key ${keyOf === undefined ? '(the record key)' : String(keyOf)} is missing or not a string or number`,
      );
    // DynamoDB partition keys are at most 2,048 bytes, and the key is part of one (as an aggregation's is).
    if (Buffer.byteLength(raw) > MAX_GROUP_KEY_BYTES)
      throw new StepError(`join key is longer than ${MAX_GROUP_KEY_BYTES} bytes`);
    return raw;
  };

  const readTime = (record: FlowRecord, now: number, maxFutureMs: number): number => {
    let t: number;
    if (eventTime === 'timestamp') t = record.source.timestamp;
    else {
      const raw = field(record.value, eventTime);
      t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
      if (raw === undefined || raw === null) throw new StepError(`event time ${eventTime} is missing`);
    }
    if (!Number.isSafeInteger(t) || t < 0)
      throw new StepError(`event time ${eventTime} is not a time in epoch milliseconds`);
    if (t > now + maxFutureMs)
      throw new StepError(
        `event time ${new Date(t).toISOString()} is more than ${maxFutureMs} ms ahead of the clock`,
      );
    return t;
  };

  return {
    kind: 'join',
    name,
    get join() {
      return described();
    },
    get keepsStateIn() {
      return [described().state];
    },
    // Every item of this join starts with its name (join-state.ts): the CDK grant is limited to them.
    stateKeys: joinKeyPatterns(name),
    check: (path) => {
      checked = checkJoinOptions(options as JoinOptions, path);
    },
    async run(records, context): Promise<StepResult> {
      const description = described();
      const now = Date.now();
      const deadLetters: DeadLetter[] = [];
      let dropped = 0;
      // Per source partition, in source order: stream time and state are per partition.
      const byPartition = new Map<number, { record: FlowRecord; key: string; t: number }[]>();
      for (const record of records) {
        if (record.value === null) {
          dropped++; // Kafka Streams skips null values: nothing to join
          continue;
        }
        try {
          const entry = {
            record,
            key: readKey(record),
            t: readTime(record, now, description.maxFutureMs),
          };
          const value = JSON.stringify(record.value);
          if (value.length > MAX_VALUE_CHARS)
            throw new StepError(`value is too large to keep for the join (${value.length} characters)`);
          const list = byPartition.get(record.source.partition) ?? [];
          list.push(entry);
          byPartition.set(record.source.partition, list);
        } catch (error) {
          deadLetters.push({
            record,
            stage: Stage.Step,
            error: error instanceof StepError ? error : new StepError(String(error), { cause: error }),
            component: name,
          });
        }
      }
      if (byPartition.size === 0) return { records: [], deadLetters, dropped };

      const client = context.ports.dynamodb ?? (await dynamoDbClient());
      const { JoinState, loadSdk } = await import('./join-state.ts');
      await loadSdk();
      const state = new JoinState(
        client,
        description.state,
        name,
        () => Math.floor(Date.now() / 1000) + description.stateTtlSeconds,
        () => Math.floor(Date.now() / 1000),
      );
      const out: { order: number; record: FlowRecord }[] = [];
      const commits: { partition: number; commit: (failedAt: number | undefined) => Promise<void> }[] = [];
      for (const [partition, entries] of byPartition) {
        const result = await runPartition(description, state, partition, entries);
        for (const d of result.late) deadLetters.push(d);
        for (const r of result.emitted) out.push(r);
        dropped += result.skipped;
        if (result.commit) commits.push({ partition, commit: result.commit });
      }
      out.sort((a, b) => a.order - b.order);
      context.metrics.count('JoinResults', out.length);
      return {
        records: out.map((o) => o.record),
        deadLetters,
        dropped,
        ...(commits.length > 0
          ? {
              commit: async ({ failed }) => {
                for (const c of commits) await c.commit(failed.get(c.partition));
              },
            }
          : {}),
      };
    },
  };

  async function runPartition(
    { side, window: w, type }: JoinDescription,
    state: JoinState,
    partition: number,
    all: readonly { record: FlowRecord; key: string; t: number }[],
  ): Promise<{
    late: DeadLetter[];
    emitted: { order: number; record: FlowRecord }[];
    skipped: number;
    commit?: (failedAt: number | undefined) => Promise<void>;
  }> {
    const idOf = (r: FlowRecord): string => `${r.source.topic}/${r.source.partition}/${r.source.offset}`;
    const time = await state.readTime(partition);
    // Records committed before (a rewind redelivers them) were joined and delivered: nothing to do again.
    const committedOffset = side === 'left' ? time.committedLeft : time.committedRight;
    const entries = all.filter(
      (e) => committedOffset === undefined || e.record.source.offset > committedOffset,
    );
    if (entries.length === 0) return { late: [], emitted: [], skipped: all.length };
    const itemKeys = entries.map((e) => state.recordKey(partition, side, e.key, e.t, e.record.source.offset));
    const known = await state.decided(itemKeys);
    const planRecords: PlanRecord[] = entries.map((e) => {
      const decided = known.get(idOf(e.record));
      return { id: idOf(e.record), key: e.key, t: e.t, ...(decided ? { decided } : {}) };
    });
    const { planBatch } = await import('./join-plan.ts');
    const storeTimes = {
      ...(time.left !== undefined ? { left: time.left } : {}),
      ...(time.right !== undefined ? { right: time.right } : {}),
    };

    // First pass without state: each record's decision, kept with it before the other side is read.
    const first = planBatch({
      side,
      type,
      window: w,
      streamTime: time.streamTime,
      storeTimes,
      records: planRecords,
      others: new Map(),
      open: [],
    });
    await state.keep(
      partition,
      entries.flatMap((e, i) => {
        if (planRecords[i]?.decided) return [];
        return [
          {
            id: idOf(e.record),
            side,
            key: e.key,
            t: e.t,
            value: JSON.stringify(e.record.value),
            offset: e.record.source.offset,
            decision: first.decisions[i] as Decision,
          },
        ];
      }),
    );
    if (first.streamTime !== undefined) await state.advance(partition, 'st', first.streamTime);
    if (first.storeTime !== undefined)
      await state.advance(partition, side === 'left' ? 'sl' : 'sr', first.storeTime);

    // Then read the other side (after our writes: a concurrent batch of the other side sees ours, or we see its).
    const ranges = new Map<string, { from: number; to: number }>();
    for (const e of entries) {
      const r = pairRange(w, side, e.t);
      const had = ranges.get(e.key);
      ranges.set(e.key, had ? { from: Math.min(had.from, r.from), to: Math.max(had.to, r.to) } : r);
    }
    const values = new Map<string, string>();
    const others = new Map<string, KeptRecord[]>();
    await inParallel([...ranges], concurrency, async ([key, r]) => {
      const found = await state.records(partition, otherSide(side), key, r.from, r.to);
      for (const f of found) values.set(f.id, f.value);
      others.set(key, found);
    });
    // The outer-join store as committed (left and outer joins), which Kafka Streams reads in time order.
    const open = type === 'inner' ? [] : await state.outer(partition);
    const offsets = new Map<string, { side: JoinSide; t: number; offset: number }>();
    for (const o of open) {
      values.set(o.id, o.value);
      offsets.set(o.id, o);
    }
    for (const e of entries) values.set(idOf(e.record), JSON.stringify(e.record.value));

    const planOf = (records: readonly PlanRecord[]) =>
      planBatch({
        side,
        type,
        window: w,
        streamTime: time.streamTime,
        storeTimes,
        records,
        others,
        open,
        minTime: time.minTime,
      });
    const plan = planOf(planRecords);

    const late: DeadLetter[] = plan.late.map((i) => {
      const e = entries[i] as (typeof entries)[number];
      return {
        record: e.record,
        stage: Stage.Late,
        error: new LateRecordError(
          `event time ${e.t} is older than the ${side} side's time ${time[side]} minus the join window and grace (${w.beforeMs + w.afterMs + w.graceMs} ms): it was joined with what is kept, but is not kept itself`,
        ),
        component: name,
      };
    });

    const emitted: { order: number; record: FlowRecord }[] = [];
    const emit = (by: number, key: string, left: KeptRecord | null, right: KeptRecord | null) => {
      const source = (entries[by] as (typeof entries)[number]).record;
      const value = (r: KeptRecord | null): unknown => (r ? JSON.parse(values.get(r.id) ?? 'null') : null);
      return (): FlowRecord => ({
        source: source.source,
        key,
        value: joiner(value(left), value(right), key),
        headers: { [JOIN_LEFT_HEADER]: left?.id ?? '', [JOIN_RIGHT_HEADER]: right?.id ?? '' },
      });
    };
    const resultId = (left: KeptRecord | null, right: KeptRecord | null) =>
      `${left?.id ?? '-'}|${right?.id ?? '-'}`;
    // A replayed record whose first processing got through its claims only emits again what it claimed then:
    // records of the other side that came after it paired with it themselves, or found it no longer kept.
    const replayed = (by: number) => planRecords[by]?.decided?.claimed === true;
    const marks = new Set<string>();
    await inParallel(
      plan.pairs.map((p, n) => ({ p, n })),
      concurrency,
      async ({ p, n }) => {
        const owner = idOf((entries[p.by] as (typeof entries)[number]).record);
        const mine = await state.claim(partition, resultId(p.left, p.right), owner, replayed(p.by));
        if (mine) emitted.push({ order: p.by * 1e6 + n, record: emit(p.by, p.left.key, p.left, p.right)() });
        const other = side === 'left' ? p.right : p.left;
        if ((mine || !replayed(p.by)) && emitsUnmatched(type, other.side)) {
          marks.add(side === 'left' ? resultId(null, other) : resultId(other, null));
        }
      },
    );
    // Records of the outer-join store removed with a matched one (one list per time, side and key).
    for (const m of plan.matched) marks.add(m.side === 'left' ? resultId(m, null) : resultId(null, m));
    const claims: {
      order: number;
      result: string;
      owner: string;
      by?: number;
      record?: KeptRecord;
      emit?: () => FlowRecord;
    }[] = [];
    const offsetOf = (r: KeptRecord): number | undefined =>
      offsets.get(r.id)?.offset ?? entries.find((e) => idOf(e.record) === r.id)?.record.source.offset;
    plan.alone.forEach((a, n) => {
      // A replayed record emits again only what it claimed the first time (below), as for pairs.
      if (replayed(a.by)) return;
      const [l, r] = a.record.side === 'left' ? [a.record, null] : [null, a.record];
      claims.push({
        order: a.by * 1e6 + 5e5 + n,
        result: resultId(l, r),
        owner: idOf((entries[a.by] as (typeof entries)[number]).record),
        by: a.by,
        record: a.record,
        emit: emit(a.by, a.record.key, l, r),
      });
    });
    for (const result of marks) claims.push({ order: -1, result, owner: 'matched' });
    const won = new Map<number, string[]>();
    const wonIds = new Set<string>();
    await inParallel(claims, concurrency, async (c) => {
      const offset = c.record ? offsetOf(c.record) : undefined;
      const alone =
        c.record && offset !== undefined
          ? { ...c.record, value: values.get(c.record.id) ?? 'null', offset }
          : undefined;
      if (!(await state.claim(partition, c.result, c.owner, false, alone)) || !c.emit) return;
      emitted.push({ order: c.order, record: c.emit() });
      if (c.by !== undefined && c.record) {
        won.set(c.by, [...(won.get(c.by) ?? []), c.result]);
        wonIds.add(c.record.id);
      }
    });
    // Replayed records: what they claimed to emit alone, from the claims (the store may have changed since).
    const again: { side: JoinSide; t: number; offset: number }[] = [];
    for (const [by, r] of planRecords.entries()) {
      if (!replayed(by) || !r.decided?.alone?.length) continue;
      const owner = r.id;
      const found = await state.aloneClaims(partition, r.decided.alone);
      for (const [n, result] of r.decided.alone.entries()) {
        const c = found.get(result);
        if (!c || c.owner !== owner) continue;
        values.set(c.id, c.value);
        const [l, rr] = c.side === 'left' ? [c, null] : [null, c];
        emitted.push({ order: by * 1e6 + 5e5 + n, record: emit(by, c.key, l, rr)() });
        again.push(c);
      }
    }
    await inParallel(
      entries.flatMap((e, i) => (replayed(i) ? [] : [{ e, i }])),
      concurrency,
      ({ e, i }) =>
        state.claimed(state.recordKey(partition, side, e.key, e.t, e.record.source.offset), won.get(i)),
    );
    const matchedIds = new Set(plan.matched.map((m) => m.id));

    const commit = async (failedAt: number | undefined) => {
      // With a partial batch response, only the records before the failed one were delivered: their plan is the
      // prefix of the batch's (records run in order), and the rest comes again.
      const done =
        failedAt === undefined
          ? entries.length
          : entries.findIndex((e) => e.record.source.offset >= failedAt);
      if (done === 0) return;
      const p = done === entries.length || done < 0 ? plan : planOf(planRecords.slice(0, done));
      const last = (entries[(done < 0 ? entries.length : done) - 1] as (typeof entries)[number]).record;
      await state.commitOuter(partition, side, {
        put: p.opened.map((i) => {
          const e = entries[i] as (typeof entries)[number];
          return {
            id: idOf(e.record),
            side,
            key: e.key,
            t: e.t,
            value: JSON.stringify(e.record.value),
            offset: e.record.source.offset,
          };
        }),
        // Only what this batch emitted alone or matched: a record whose claim another holds stays for its replay.
        remove: [
          ...p.removed.flatMap((r) => {
            const at = offsets.get(r.id);
            return at && (wonIds.has(r.id) || matchedIds.has(r.id)) ? [at] : [];
          }),
          ...again,
        ],
        minTime: p.minTime,
        readVersion: time.version ?? 0,
        committedOffset: last.source.offset,
      });
    };
    return { late, emitted, skipped: all.length - entries.length, commit };
  }
};

/** Runs `work` over `items`, at most `limit` at once; the first failure fails the whole. */
const inParallel = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
};
