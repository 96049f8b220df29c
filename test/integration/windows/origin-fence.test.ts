import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import { LineageHeader } from '../../../shared/outputs/lineage.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { aggregate, type WindowResult } from '../../../shared/stateful/aggregate.ts';
import { sum } from '../../../shared/stateful/aggregate-reduce.ts';
import { readWindows } from '../../../shared/stateful/state-query.ts';
import { session, tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { dynamodbEndpoint } from '../../support/stateful/aggregate-under-test.ts';
import { stateTablesForFile } from '../../support/stateful/state-table.ts';
import { kafkaEvent, type RecordSpec } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';

const HOUR = 3_600_000;
type WindowOption = Parameters<typeof aggregate>[0]['window'];
const T0 = Date.parse('2026-11-30T10:00:00Z');

/** A repartition topic only flows write (`internal`: lineage trusted), and an ingress topic (not trusted). */
const topics = defineTopics({
  byProduct: { name: 'reviews.by-product', format: 'json', partitions: 3, internal: true },
  ingress: { name: 'reviews.outside', format: 'json', partitions: 3 },
  stats: { name: 'reviews.product-stats', format: 'json', partitions: 3, internal: true },
  dead: { name: 'ratings.dlq', format: 'bytes', partitions: 1 },
});

describe('a windowed aggregation fenced by its records’ origin (lineage), state in dynalite', () => {
  const tables = stateTablesForFile(dynamodbEndpoint);

  /** Hourly sums of ratings per product, 10 minutes grace, reading `source` with a fresh state table. */
  const pipeline = async (source = topics.byProduct, window: WindowOption = tumbling('1h')) => {
    const state = await tables.table();
    const results = memoryTopic(topics.stats);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: 'product-ratings',
      source: { topic: source },
      steps: [
        aggregate({
          name: 'ratings',
          state,
          key: 'productId',
          eventTime: 'reviewedAt',
          window,
          grace: '10m',
          reduce: sum('rating'),
        }),
      ],
      outputs: [results],
      deadLetter: dead,
    });
    let offset = 0;
    /** A review that entered at `reviews.raw/<p>` offset `origin`, arriving here at the next offset. */
    const review = (
      origin: number,
      productId: string,
      minutes: number,
      rating: number,
      p = 0,
    ): RecordSpec => ({
      topic: source.name,
      offset: offset++,
      key: productId,
      value: { productId, reviewedAt: new Date(T0 + minutes * 60_000).toISOString(), rating },
      timestamp: T0 + minutes * 60_000,
      headers: {
        [LineageHeader.Path]: `reviews.raw/${p}>reviews.enriched/${p}`,
        [LineageHeader.OriginOffset]: String(origin),
      },
    });
    /** The same record again at a new offset here: what a replay of the flow upstream produces. */
    const copy = (record: RecordSpec): RecordSpec => ({ ...record, offset: offset++ });
    const send = (records: RecordSpec[]) =>
      runBatch(flow, kafkaEvent(records), {
        outputFor: (o: OutputSpec) => o.create(),
        ports: { dynamodb: tables.client() },
        now: () => T0,
      });
    const emitted = () =>
      results.output.records.map((r) => [r.key, (r.value as WindowResult).value] as const);
    const late = () =>
      dead.output.records
        .filter((r: FlowRecord) => r.headers[DeadLetterHeader.Stage] === 'late')
        .map((r: FlowRecord) => Number(r.headers[DeadLetterHeader.SourceOffset]));
    const windows = async (key: string) =>
      (await readWindows(state, 'ratings', key, { client: tables.client(), now: T0 })).map((w) => [
        w.windowStart,
        w.value,
      ]);
    return { review, copy, send, emitted, late, windows };
  };

  it('leaves out copies an upstream replay made at new offsets while their window is open, and counts them', async () => {
    // Prepare
    const p = await pipeline();
    const first = [p.review(10, 'p-1', 5, 4), p.review(11, 'p-1', 20, 2), p.review(12, 'p-2', 30, 5, 1)];
    await p.send(first);
    // Act: the three again at new offsets, one new review among them, then one that closes the hour.
    const replayed = await p.send([...first.map(p.copy), p.review(13, 'p-1', 40, 1)]);
    await p.send([p.review(14, 'p-1', 75, 3), p.review(15, 'p-2', 75, 3, 1)]);
    // Assess
    expect(replayed.summary.counters.RecordsReplayed).toBe(3);
    expect(replayed.summary.filtered).toBe(3);
    expect(replayed.summary.deadLettered).toBe(0);
    expect(p.emitted()).toEqual([
      [`p-1@${T0}`, 7],
      [`p-2@${T0}`, 5],
    ]);
  });

  it('leaves out a copy within the batch that holds its original', async () => {
    // Prepare
    const p = await pipeline();
    const original = p.review(10, 'p-1', 5, 4);
    // Act
    const outcome = await p.send([original, p.review(11, 'p-1', 6, 1), p.copy(original)]);
    // Assess
    expect(outcome.summary.counters.RecordsReplayed).toBe(1);
    expect(await p.windows('p-1')).toEqual([[T0, 5]]);
  });

  it('does not dead-letter as late a copy arriving after its window closed, but a new late record still is', async () => {
    // Prepare: the 10:00 hour is counted and closed (stream time 11:15).
    const p = await pipeline();
    const first = [p.review(10, 'p-1', 5, 4), p.review(11, 'p-1', 75, 2)];
    await p.send(first);
    const truelyLate = p.review(12, 'p-1', 30, 5);
    // Act: a replay upstream sends both again, and a review written at 10:30 arrives for the first time.
    const replayed = await p.send([...first.map(p.copy), truelyLate]);
    // Assess
    expect(p.late()).toEqual([truelyLate.offset]);
    expect(replayed.summary.counters.RecordsReplayed).toBe(2);
    expect(replayed.summary.counters.LateRecords).toBe(1);
    expect(p.emitted()).toEqual([[`p-1@${T0}`, 4]]);
    expect(await p.windows('p-1')).toEqual([
      [T0, 4],
      [T0 + HOUR, 2],
    ]);
  });

  it('counts records of another path or origin partition with the same origin offset', async () => {
    // Prepare
    const p = await pipeline();
    // Act: origin offset 10 on reviews.raw/0 and on reviews.raw/2 are different records.
    await p.send([p.review(10, 'p-1', 5, 4, 0), p.review(10, 'p-1', 6, 1, 2)]);
    // Assess
    expect(await p.windows('p-1')).toEqual([[T0, 5]]);
  });

  it('believes no lineage on an ingress topic: records with the same headers all count', async () => {
    // Prepare
    const p = await pipeline(topics.ingress);
    const record = p.review(10, 'p-1', 5, 4);
    // Act
    const outcome = await p.send([record, p.copy(record)]);
    // Assess
    expect(outcome.summary.counters.RecordsReplayed).toBeUndefined();
    expect(await p.windows('p-1')).toEqual([[T0, 8]]);
  });

  it('fences session windows by origin too: copies are neither counted again nor late once their session closed', async () => {
    // Prepare: sessions with a 30-minute gap (10 minutes grace): 10:05 and 10:20 are one session.
    const p = await pipeline(topics.byProduct, session('30m'));
    const first = [p.review(10, 'p-1', 5, 4), p.review(11, 'p-1', 20, 2)];
    await p.send(first);
    // Act: a replay upstream sends both again with a new review in the session; later, after the session
    // closed (stream time 11:40), the same copies once more.
    const open = await p.send([...first.map(p.copy), p.review(12, 'p-1', 40, 1)]);
    await p.send([p.review(13, 'p-1', 100, 3)]);
    const closed = await p.send(first.map(p.copy));
    // Assess
    expect(open.summary.counters.RecordsReplayed).toBe(2);
    expect(closed.summary.counters.RecordsReplayed).toBe(2);
    expect(closed.summary.counters.LateRecords).toBeUndefined();
    expect(p.late()).toEqual([]);
    expect(p.emitted()).toEqual([[`p-1@${T0 + 5 * 60_000}`, 7]]);
  });
});
