import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { type AggregateOptions, aggregate, type WindowResult } from '../../../shared/stateful/aggregate.ts';
import { sum } from '../../../shared/stateful/aggregate-reduce.ts';
import { readWindows } from '../../../shared/stateful/state-query.ts';
import { session } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { dynamodbEndpoint } from '../../support/stateful/aggregate-under-test.ts';
import { stateTablesForFile } from '../../support/stateful/state-table.ts';
import { kafkaEvent, type RecordSpec } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';
import { recordingMetrics } from '../../unit/runtime/records.ts';

const topics = defineTopics({
  clicks: { name: 'clicks', format: 'json', partitions: 4 },
  visits: { name: 'visits', format: 'json', partitions: 4 },
  dead: { name: 'clicks.dlq', format: 'bytes', partitions: 1 },
});

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');
const at = (minutes: number) => T0 + minutes * MINUTE;

describe('session windows with their state in DynamoDB (dynalite)', () => {
  const tables = stateTablesForFile(dynamodbEndpoint);

  /** Visits: clicks per user in sessions with a 10-minute gap and 5 minutes grace (closed at end + 15 min). */
  const pipeline = async (options: Partial<AggregateOptions> = {}) => {
    const state = await tables.table();
    const results = memoryTopic(topics.visits);
    const dead = memoryTopic(topics.dead);
    const step = aggregate({
      name: 'visits',
      state,
      key: 'user',
      window: session('10m'),
      grace: '5m',
      reduce: sum('n'),
      ...options,
    });
    const flow = defineFlow({
      name: 'user-visits',
      source: { topic: topics.clicks },
      steps: [step],
      outputs: [results],
      deadLetter: dead,
    });
    let offset = 0;
    const click = (user: string, minutes: number, n = 1): RecordSpec => ({
      topic: topics.clicks.name,
      offset: offset++,
      key: user,
      value: { user, n },
      timestamp: at(minutes),
    });
    const send = (records: RecordSpec[]) =>
      runBatch(flow, kafkaEvent(records), {
        outputFor: (o: OutputSpec) => o.create(),
        ports: { dynamodb: tables.client() },
        now: () => T0,
      });
    const emitted = () =>
      results.output.records.map((r) => {
        const { windowStart, windowEnd, value } = r.value as WindowResult;
        return { key: r.key, windowStart, windowEnd, value };
      });
    const deadLetters = () =>
      dead.output.records.map((r: FlowRecord) => ({
        offset: Number(r.headers[DeadLetterHeader.SourceOffset]),
        stage: r.headers[DeadLetterHeader.Stage],
      }));
    const sessions = (user: string) =>
      readWindows(state, 'visits', user, { client: tables.client(), now: T0 });
    return { step, results, dead, click, send, emitted, deadLetters, sessions };
  };

  it('merges three sessions into one when a record falls within the gap of all of them, and emits it once on close', async () => {
    // Prepare: sessions at 10:00, 10:12 and 10:24 (each 12 minutes apart: more than the gap); 30 min grace.
    const p = await pipeline({ grace: '30m' });
    await p.send([p.click('u1', 0, 1), p.click('u1', 12, 10), p.click('u1', 24, 100)]);
    const apart = await p.sessions('u1');
    // Act: 10:06 bridges the first two, and 10:18 the result and the third.
    await p.send([p.click('u1', 6, 1000), p.click('u1', 18, 10000)]);
    const merged = await p.sessions('u1');
    const before = p.emitted();
    await p.send([p.click('u2', 24 + 40, 0)]);
    // Assess
    expect(apart.map((s) => [s.windowStart, s.windowEnd, s.value])).toEqual([
      [at(0), at(0), 1],
      [at(12), at(12), 10],
      [at(24), at(24), 100],
    ]);
    expect(merged).toEqual([{ key: 'u1', windowStart: at(0), windowEnd: at(24), value: 11111 }]);
    expect(before).toEqual([]);
    expect(p.emitted()).toEqual([
      { key: `u1@${at(0)}`, windowStart: at(0), windowEnd: at(24), value: 11111 },
    ]);
  });

  it('dead-letters a record whose session would end before stream time less gap and grace, and counts it nowhere', async () => {
    // Prepare: u1's session at 10:00 closes at 10:15 (gap 10 + grace 5); stream time reaches 10:20.
    const p = await pipeline();
    await p.send([p.click('u1', 0, 1), p.click('u2', 20, 1)]);
    // Act: 10:04 would merge with 10:00, a session closed already; 10:05 for u3 alone ends exactly at close time.
    await p.send([p.click('u1', 4, 50), p.click('u3', 5, 7)]);
    // Assess
    expect(p.deadLetters()).toEqual([{ offset: 2, stage: 'late' }]);
    expect(p.emitted()).toEqual([
      { key: `u1@${at(0)}`, windowStart: at(0), windowEnd: at(0), value: 1 },
      { key: `u3@${at(5)}`, windowStart: at(5), windowEnd: at(5), value: 7 },
    ]);
  });

  it('skips records delivered again after their batch was committed', async () => {
    // Prepare
    const p = await pipeline();
    const batch = [p.click('u1', 0, 1), p.click('u1', 5, 2)];
    await p.send(batch);
    // Act
    const again = await p.send(batch);
    await p.send([p.click('u2', 40, 0)]);
    // Assess
    expect(again.summary.filtered).toBe(2);
    expect(p.emitted()).toEqual([{ key: `u1@${at(0)}`, windowStart: at(0), windowEnd: at(5), value: 3 }]);
  });

  it('counts nothing twice and loses no late record when a batch is replayed after a crash before its commit', async () => {
    // Prepare: sessions at 10:00 and 10:12; stream time 10:12.
    const p = await pipeline();
    await p.send([p.click('u1', 0, 1), p.click('u1', 12, 10)]);
    // A bridging record; u2 at 10:01; u1 at 10:30 (closing 10:00–10:12 and u2's); u2 at 10:02, late; u1 at 11:00;
    // u2 at 10:58 (so u2's state is written, its late record below its fence).
    const batch = [
      p.click('u1', 6, 100),
      p.click('u2', 1, 1),
      p.click('u1', 30, 1000),
      p.click('u2', 2, 5),
      p.click('u1', 60, 10000),
      p.click('u2', 58, 3),
    ];
    // Act: the step runs (state written, sessions emitted in memory) and the process dies before commit; the batch
    // comes again, its output fails after the state writes; it comes a third time.
    const decoded = decodeBatch(kafkaEvent(batch), { formats: { [topics.clicks.name]: 'json' } });
    await p.step.run(decoded.records, {
      flowName: 'user-visits',
      metrics: recordingMetrics(),
      ports: { dynamodb: tables.client() },
    });
    p.results.output.failWith = new RetriableError('the output is down');
    const failed = await p.send(batch).catch((error: unknown) => error);
    p.results.output.failWith = undefined;
    await p.send(batch);
    // Assess
    expect(failed).toBeInstanceOf(BatchFailedError);
    expect(new Set(p.deadLetters().map((d) => `${d.offset} ${d.stage}`))).toEqual(new Set(['5 late']));
    expect(p.emitted()).toEqual([
      { key: `u2@${at(1)}`, windowStart: at(1), windowEnd: at(1), value: 1 },
      { key: `u1@${at(0)}`, windowStart: at(0), windowEnd: at(12), value: 111 },
      { key: `u1@${at(30)}`, windowStart: at(30), windowEnd: at(30), value: 1000 },
    ]);
    expect(await p.sessions('u1')).toContainEqual({
      key: 'u1',
      windowStart: at(60),
      windowEnd: at(60),
      value: 10000,
    });
    expect(await p.sessions('u2')).toContainEqual({
      key: 'u2',
      windowStart: at(58),
      windowEnd: at(58),
      value: 3,
    });
  });

  it('writes one item per key a batch, however many records it has', async () => {
    // Prepare: 300 clicks of 3 users within 5 minutes: one session each.
    const p = await pipeline();
    const records = Array.from({ length: 300 }, (_, i) => p.click(`u${i % 3}`, Math.floor(i / 3) % 5, 1));
    // Act
    const outcome = await p.send(records);
    // Assess: 3 conditional puts, 1 BatchWriteItem of the 3 sessions' markers, 1 meta put at commit.
    expect(outcome.summary.counters.StateWriteRequests).toBe(5);
    expect(await p.sessions('u0')).toEqual([{ key: 'u0', windowStart: at(0), windowEnd: at(4), value: 100 }]);
  });
});
