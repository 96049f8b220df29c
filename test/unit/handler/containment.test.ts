import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { compileFilterCriteria } from '../../../shared/filter/evaluate.ts';
import { pushdown } from '../../../shared/filter/pattern.ts';
import { predicate, where } from '../../../shared/filter/where.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { eventRecord, kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 1 },
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});

const deps = { outputFor: (spec: OutputSpec) => spec.create(), ports: {}, now: () => 1_700_000_100_000 };

/** `[[[ … "x" … ]]]`, `depth` arrays deep: parses fine, but a recursive walk of it overflows the stack. */
const deepArrayText = (depth: number, leaf = '"x"') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

const thrower = predicate('explodes on "boom"', (record) => {
  if ((record.value as { n?: unknown }).n === 'boom') throw new TypeError('cannot read boom');
  return true;
});

describe('per-record containment of filters', () => {
  it('dead-letters a record the source filter throws for, with stage filter and the reason, and lets the rest through', async () => {
    // Prepare
    const clean = memoryTopic(topics.clean);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw, filter: thrower },
      outputs: [clean],
      deadLetter: dead,
    });
    const event = kafkaEvent([
      { offset: 1, value: { n: 1 } },
      { offset: 2, value: { n: 'boom' } },
      { offset: 3, value: { n: 3 } },
    ]);
    // Act
    const outcome = await runBatch(flow, event, deps);
    // Assess
    expect(clean.output.records.map((r) => r.source.offset)).toEqual([1, 3]);
    expect(dead.output.records).toHaveLength(1);
    expect(dead.output.records[0]?.headers).toMatchObject({
      [DeadLetterHeader.Stage]: 'filter',
      [DeadLetterHeader.ErrorClass]: 'FilterError',
      [DeadLetterHeader.SourceOffset]: '2',
    });
    expect(dead.output.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('cannot read boom');
    expect(outcome.summary).toMatchObject({ recordsIn: 3, deadLettered: 1, filtered: 0 });
  });

  it('dead-letters a record an output `when` throws for at that output only; the other output still gets it', async () => {
    // Prepare
    const clean = memoryTopic(topics.clean);
    const alerts = memoryTopic(topics.alerts, thrower);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw },
      outputs: [clean, alerts],
      deadLetter: dead,
    });
    const event = kafkaEvent([
      { offset: 1, value: { n: 'boom' } },
      { offset: 2, value: { n: 2 } },
    ]);
    // Act
    const outcome = await runBatch(flow, event, deps);
    // Assess
    expect(clean.output.records.map((r) => r.source.offset)).toEqual([1, 2]);
    expect(alerts.output.records.map((r) => r.source.offset)).toEqual([2]);
    expect(dead.output.records.map((r) => r.headers[DeadLetterHeader.Stage])).toEqual(['filter']);
    expect(dead.output.records[0]?.headers[DeadLetterHeader.Component]).toBe('topic:reviews.alerts when');
    expect(outcome.summary.out).toEqual({ 'topic:reviews.clean': 2, 'topic:reviews.alerts': 1 });
  });

  it('evaluates `where` over a 100,000-deep array without overflowing the stack, in-process and as FilterCriteria', async () => {
    // Prepare
    const tags = where({ tags: 'x' });
    const clean = memoryTopic(topics.clean);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: 'f',
      source: { topic: topics.raw, filter: tags },
      outputs: [clean],
      deadLetter: dead,
    });
    const deepX = `{"tags":${deepArrayText(100_000)}}`;
    const deepY = `{"tags":${deepArrayText(100_000, '"y"')}}`;
    const event = kafkaEvent([
      { offset: 1, value: deepX },
      { offset: 2, value: deepY },
    ]);
    const criteria = pushdown(tags);
    if (!criteria.pushable) throw new Error('expected a pushable filter');
    const matches = compileFilterCriteria(criteria.criteria);
    // Act
    const outcome = await runBatch(flow, event, deps);
    const pushed = [eventRecord({ offset: 1, value: deepX }), eventRecord({ offset: 2, value: deepY })].map(
      matches,
    );
    // Assess
    expect(clean.output.records.map((r) => r.source.offset)).toEqual([1]);
    expect(outcome.summary).toMatchObject({ recordsIn: 2, filtered: 1, deadLettered: 0 });
    expect(pushed).toEqual([true, false]);
  });

  it('finds a leaf after a deep sibling and in mixed nesting of arrays and objects, in element order', () => {
    // Prepare
    const tier = where({ 'a.b': 2 });
    const matches = compileFilterCriteria(
      (pushdown(tier) as { criteria: Parameters<typeof compileFilterCriteria>[0] }).criteria,
    );
    const value = `{"a":[${deepArrayText(50_000, '{"b":1}')},[{"b":[3,[2]]}]]}`;
    // Act
    const matched = matches(eventRecord({ offset: 1, value }));
    // Assess
    expect(matched).toBe(true);
  });
});
