import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TopicMessages } from '../../../shared/clients/kafka.ts';
import { predicate } from '../../../shared/filter/where.ts';
import { handlerFor } from '../../../shared/handler/handler-for.ts';
import { MetricName } from '../../../shared/metrics.ts';
import { LineageLimit, lineageOf, lineageRejected } from '../../../shared/outputs/lineage.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { createTopicWriter } from '../../../shared/outputs/topic-writer.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TopicRef } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { flowRecord } from './records.ts';

beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

/** A record of reviews.clean/1 at offset 40 carrying the given lineage headers. */
const clean = (headers: Record<string, string>) =>
  flowRecord({ topic: 'reviews.clean', partition: 1, offset: 40, headers });

describe('lineage at a hop', () => {
  it('extends an inbound path on an internal topic and keeps its origin offset', () => {
    const record = clean({ 'sluice.path': 'reviews.raw/2', 'sluice.origin.offset': '7' });
    expect(lineageOf(record, true)).toEqual({ path: 'reviews.raw/2>reviews.clean/1', originOffset: 7 });
    expect(lineageRejected(record, true)).toBe(false);
  });

  it('starts the path at this hop on an ingress topic, whatever the producer wrote, and counts it', () => {
    const record = clean({ 'sluice.path': 'reviews.raw/2', 'sluice.origin.offset': '7' });
    expect(lineageOf(record, false)).toEqual({ path: 'reviews.clean/1', originOffset: 40 });
    expect(lineageRejected(record, false)).toBe(true);
    expect(lineageRejected(clean({}), false)).toBe(false);
  });

  it('treats an over-long or malformed path or origin as forged, on an internal topic too', () => {
    const hops = (n: number) => Array.from({ length: n }, (_, i) => `t/${i}`).join('>');
    const forged: Record<string, string>[] = [
      { 'sluice.path': hops(LineageLimit.hops + 1), 'sluice.origin.offset': '1' },
      { 'sluice.path': `${'t'.repeat(LineageLimit.pathBytes)}/0`, 'sluice.origin.offset': '1' },
      { 'sluice.path': 'reviews.raw/2>>x', 'sluice.origin.offset': '1' },
      { 'sluice.path': 'reviews raw/2', 'sluice.origin.offset': '1' },
      { 'sluice.path': 'reviews.raw/2', 'sluice.origin.offset': '1e3' },
      { 'sluice.path': 'reviews.raw/2', 'sluice.origin.offset': '-1' },
      { 'sluice.path': 'reviews.raw/2' },
      { 'sluice.origin.offset': '5' },
    ];
    for (const headers of forged) {
      const record = clean(headers);
      expect(lineageOf(record, true), JSON.stringify(headers)).toEqual({
        path: 'reviews.clean/1',
        originOffset: 40,
      });
      expect(lineageRejected(record, true)).toBe(true);
    }
    expect(
      lineageOf(clean({ 'sluice.path': hops(LineageLimit.hops), 'sluice.origin.offset': '1' }), true).path,
    ).toBe(`${hops(LineageLimit.hops)}>reviews.clean/1`);
  });
});

describe('a flow’s produced lineage', () => {
  const topics = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
    clean: { name: 'reviews.clean', format: 'json', partitions: 1, internal: true },
    enriched: { name: 'reviews.enriched', format: 'json', partitions: 1, internal: true },
    dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  });
  const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as Context;

  /** A flow from `source` to `target` through a real topic writer on a fake producer (no broker needed). */
  /** A topic output through a real topic writer on a fake producer (no broker needed), and what it sent. */
  const capturing = (target: TopicRef, when?: OutputSpec['when']) => {
    const sent: { headers: Record<string, string | Buffer> }[] = [];
    const writer = createTopicWriter({
      name: `topic:${target.name}`,
      topic: target.name,
      maxMessageBytes: 1 << 20,
      producer: () => ({
        sendBatch: async (batch: readonly TopicMessages[]) => {
          for (const t of batch)
            for (const m of t.messages)
              sent.push({ headers: Object.fromEntries(m.headers.map((h) => [h.key, String(h.value)])) });
        },
      }),
    });
    const spec: OutputSpec<'topic'> = {
      kind: 'topic',
      name: writer.name,
      resources: { topics: [target.name] },
      create: () => writer,
      ...(when ? { when } : {}),
    };
    return { spec, sent };
  };

  /** A flow from `source` to `target`; its dead letters go through a topic writer too. */
  const run = async (
    source: TopicRef,
    target: TopicRef,
    headers: Record<string, string>,
    when?: OutputSpec['when'],
  ) => {
    const output = capturing(target, when);
    const dead = capturing(topics.dead);
    const sent = output.sent;
    const flow = defineFlow({
      name: 'f',
      source: { topic: source },
      outputs: [output.spec],
      deadLetter: dead.spec,
    });
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const debug = vi.spyOn(logger, 'debug');
    const handler = handlerFor(flow, { logger, metrics: new Metrics({ namespace: 'T' }), ports: {} });
    await handler(
      kafkaEvent([1, 2].map((offset) => ({ topic: source.name, offset, value: { offset }, headers }))),
      context,
    );
    const summary = debug.mock.calls[0]?.[1] as { counters: Record<string, number> };
    return { sent, dead: dead.sent, summary };
  };
  const forged = { 'sluice.path': 'x/0>y/0', 'sluice.origin.offset': '999999', trace: 't-1' };

  it('restarts the path of records from an ingress topic at this hop, counting each one', async () => {
    // Act
    const { sent, summary } = await run(topics.raw, topics.clean, forged);
    // Assess
    expect(sent.map((m) => [m.headers['sluice.path'], m.headers['sluice.origin.offset']])).toEqual([
      ['reviews.raw/0', '1'],
      ['reviews.raw/0', '2'],
    ]);
    expect(sent[0]?.headers.trace).toBe('t-1');
    expect(summary.counters[MetricName.LineageRejected]).toBe(2);
  });

  it('gives the dead letters of an internal topic the inbound path, extended by this hop', async () => {
    // Prepare: an output whose `when` throws for every record, so each one is dead-lettered
    const throwing = predicate('throws', () => {
      throw new Error('boom');
    });
    // Act
    const { sent, dead } = await run(topics.clean, topics.enriched, forged, throwing);
    // Assess
    expect(sent).toEqual([]);
    expect(dead.map((m) => [m.headers['sluice.path'], m.headers['sluice.origin.offset']])).toEqual([
      ['x/0>y/0>reviews.clean/0', '999999'],
      ['x/0>y/0>reviews.clean/0', '999999'],
    ]);
  });

  it('keeps the lineage of records from an internal topic', async () => {
    const { sent, summary } = await run(topics.clean, topics.enriched, forged);
    expect(sent.map((m) => m.headers['sluice.path'])).toEqual([
      'x/0>y/0>reviews.clean/0',
      'x/0>y/0>reviews.clean/0',
    ]);
    expect(summary.counters[MetricName.LineageRejected]).toBeUndefined();
  });
});
