/**
 * The processing flows' own work in this process, on the records the e2e benchmark sends: cleanse-reviews'
 * real handler on the reviews, then enrich-reviews' on what cleanse produced (lineage headers included). Topic
 * outputs are the real topic writer (encode, lineage, send sizing) with a producer that keeps the messages and
 * sends nothing; enrich reads the products seed and the bench's customers from memory (after the first batch
 * from its cache, as warm environments do). No event JSON, no Kafka client, no execution environment: what is
 * left is decode → steps → encode, the figure the environments' CPU per record is compared with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { flow as cleanseFlow } from '../functions/cleanse-reviews.ts';
import { flow as enrichFlow } from '../functions/enrich-reviews.ts';
import { projectRoot } from '../local/services/paths.ts';
import type { ProducedMessage } from '../shared/clients/kafka.ts';
import type { KafkaEvent, KafkaEventRecord } from '../shared/decode/event.ts';
import { handlerFor } from '../shared/handler/handler-for.ts';
import type { Output } from '../shared/outputs/output.ts';
import type { OutputSpec } from '../shared/outputs/spec.ts';
import { createTopicWriter } from '../shared/outputs/topic-writer.ts';
import { MemoryTables } from '../shared/testing/memory-tables.ts';
import type { Flow } from '../shared/topology/flow.ts';

export interface SourceMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: readonly { readonly key: string; readonly value: Buffer | string }[];
}

const context = {
  functionName: 'bench-in-process',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const base64 = (v: Buffer | string | null) => (v === null ? null : Buffer.from(v).toString('base64'));

/** Events of `batch` records of one partition each, as the emulator cuts them, over 3 partitions. */
const eventsOf = (topic: string, messages: readonly SourceMessage[], batch: number): KafkaEvent[] => {
  const byPartition: KafkaEventRecord[][] = [[], [], []];
  messages.forEach((m, i) => {
    const partition = i % 3;
    const list = byPartition[partition] as KafkaEventRecord[];
    list.push({
      topic,
      partition,
      offset: list.length,
      timestamp: 1_795_165_200_000 + i,
      timestampType: 'CREATE_TIME',
      key: base64(m.key),
      value: base64(m.value),
      headers: (m.headers ?? []).map((h) => ({ [h.key]: [...Buffer.from(h.value)] })),
    });
  });
  const events: KafkaEvent[] = [];
  byPartition.forEach((list, partition) => {
    for (let i = 0; i < list.length; i += batch)
      events.push({
        eventSource: 'SelfManagedKafka',
        records: { [`${topic}-${partition}`]: list.slice(i, i + batch) },
      });
  });
  return events;
};

/** Metrics computed and dropped: EMF lines would measure this process's stdout, not the flow. */
const silentMetrics = (namespace: string, singleMetric = false): Metrics => {
  const metrics = new Metrics({ namespace, serviceName: namespace, singleMetric });
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
    return metrics;
  };
  metrics.singleMetric = () => silentMetrics(namespace, true);
  return metrics;
};

/** The flow's real handler; its topic outputs encode as deployed and keep what they would have sent. */
const rig = (flow: Flow, tables?: MemoryTables) => {
  const sent = new Map<string, ProducedMessage[]>();
  const createOutput = (spec: OutputSpec): Output => {
    const topic = spec.resources.topics?.[0] ?? spec.name;
    const kept: ProducedMessage[] = [];
    sent.set(topic, kept);
    return createTopicWriter({
      name: spec.name,
      topic,
      maxMessageBytes: 1_048_588,
      producer: () => ({
        sendBatch: async (batch) => {
          for (const b of batch) for (const m of b.messages) kept.push(m);
        },
      }),
    });
  };
  const metrics = silentMetrics(flow.name);
  const handler = handlerFor(flow, {
    createOutput,
    ...(tables ? { ports: { dynamodb: tables.port } } : {}),
    logger: new Logger({ serviceName: flow.name, logLevel: 'SILENT' }),
    metrics,
  });
  return { handle: (event: KafkaEvent) => handler(event, context), sent };
};

/** CPU µs per record (user + system, this process) of the best of `rounds` passes over `events`. */
const cpuPerRecord = async (
  handle: (e: KafkaEvent) => Promise<unknown>,
  events: readonly KafkaEvent[],
  records: number,
  rounds: number,
): Promise<number> => {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (const event of events) await handle(event);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / records);
  }
  return best;
};

/** In-process CPU µs per record of cleanse-reviews and enrich-reviews on `reviews` (one warm-up pass first). */
export const inProcessCpu = async (
  reviews: readonly SourceMessage[],
  batch = 500,
  rounds = 3,
): Promise<Record<'cleanse-reviews' | 'enrich-reviews', number>> => {
  const cleanse = rig(cleanseFlow);
  const rawEvents = eventsOf('reviews.raw', reviews, batch);
  for (const event of rawEvents) await cleanse.handle(event);
  const cleaned = cleanse.sent.get('reviews.clean') ?? [];
  const cleanseMicros = await cpuPerRecord(cleanse.handle, rawEvents, reviews.length, rounds);

  const products = JSON.parse(readFileSync(join(projectRoot, 'events', 'seeds', 'products.json'), 'utf8'));
  const customerIds = new Set(
    cleaned.map((m) => (JSON.parse(String(m.value)) as { customerId: string }).customerId),
  );
  const tables = new MemoryTables({
    products,
    customers: [...customerIds].map((customerId, i) => ({
      customerId,
      name: `Customer ${i}`,
      tier: i % 10 === 0 ? 'gold' : 'silver',
      country: 'GB',
      since: '2024-01-01',
    })),
  });
  const enrich = rig(enrichFlow, tables);
  const cleanEvents = eventsOf('reviews.clean', cleaned, batch);
  for (const event of cleanEvents) await enrich.handle(event);
  const enrichMicros = await cpuPerRecord(enrich.handle, cleanEvents, cleaned.length, rounds);
  return { 'cleanse-reviews': cleanseMicros, 'enrich-reviews': enrichMicros };
};
