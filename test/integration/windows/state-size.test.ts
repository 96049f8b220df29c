import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { type AggregateOptions, aggregate } from '../../../shared/stateful/aggregate.ts';
import { reduce } from '../../../shared/stateful/aggregate-reduce.ts';
import { readWindows } from '../../../shared/stateful/state-query.ts';
import { session, tumbling } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { dynamodbEndpoint } from '../../support/stateful/aggregate-under-test.ts';
import { stateTablesForFile } from '../../support/stateful/state-table.ts';
import { kafkaEvent, type RecordSpec } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';

const topics = defineTopics({
  notes: { name: 'notes', format: 'json', partitions: 1 },
  digests: { name: 'digests', format: 'json', partitions: 1 },
  dead: { name: 'notes.dlq', format: 'bytes', partitions: 1 },
});

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');

/** A reduction that keeps every note's text: its state grows with each record, as a user's may. */
const keepTexts = reduce<{ user: string; text: string }, { texts: string[] }, number>({
  initial: { texts: [] },
  add: (a, note) => ({ texts: [...a.texts, note.text] }),
  merge: (a, b) => ({ texts: [...a.texts, ...b.texts] }),
  result: (a) => a.texts.length,
});

describe('a windowed aggregation whose state would outgrow a DynamoDB item (dynalite)', () => {
  const tables = stateTablesForFile(dynamodbEndpoint);

  const pipeline = async (window: AggregateOptions['window']) => {
    const state = await tables.table();
    const results = memoryTopic(topics.digests);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: 'note-digests',
      source: { topic: topics.notes },
      steps: [aggregate({ name: 'digests', state, key: 'user', window, grace: '1h', reduce: keepTexts })],
      outputs: [results],
      deadLetter: dead,
    });
    let offset = 0;
    const note = (kilobytes: number, minutes = 1): RecordSpec => ({
      topic: topics.notes.name,
      offset: offset++,
      key: 'u1',
      value: { user: 'u1', text: 'x'.repeat(kilobytes * 1000) },
      timestamp: T0 + minutes * MINUTE,
    });
    const send = (records: RecordSpec[]) =>
      runBatch(flow, kafkaEvent(records), {
        outputFor: (o: OutputSpec) => o.create(),
        ports: { dynamodb: tables.client() },
        now: () => T0,
      });
    const deadLetters = () =>
      dead.output.records.map((r: FlowRecord) => ({
        offset: Number(r.headers[DeadLetterHeader.SourceOffset]),
        stage: r.headers[DeadLetterHeader.Stage],
        message: r.headers[DeadLetterHeader.ErrorMessage],
      }));
    const counts = async () =>
      (await readWindows<number>(state, 'digests', 'u1', { client: tables.client(), now: T0 })).map(
        (w) => w.value,
      );
    return { note, send, deadLetters, counts };
  };

  it.each([
    ['an hourly window', tumbling('1h')],
    ['a session', session('1h')],
  ])(
    'dead-letters the records that would grow %s past 350 KB, keeps the rest, and never fails the batch',
    async (_, window) => {
      // Prepare
      const p = await pipeline(window);
      // Act: 100 KB notes: three fit, the fourth and fifth would not; a small one still does. Then another batch.
      const first = await p.send([
        p.note(100),
        p.note(100),
        p.note(100),
        p.note(100),
        p.note(100),
        p.note(1),
      ]);
      const second = await p.send([p.note(120, 2), p.note(2, 3)]);
      // Assess: both batches succeed (runBatch throws BatchFailedError when a batch fails).
      expect([first.summary.deadLettersByStage, second.summary.deadLettersByStage]).toEqual([
        { step: 2 },
        { step: 1 },
      ]);
      expect(p.deadLetters().map(({ offset, stage }) => [offset, stage])).toEqual([
        [3, 'step'],
        [4, 'step'],
        [6, 'step'],
      ]);
      expect(p.deadLetters()[0]?.message).toMatch(
        /digests: .* would take \d+ bytes with this record, over 350000/,
      );
      expect(await p.counts()).toEqual([5]);
    },
  );
});
