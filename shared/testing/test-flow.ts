import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DeadLetterHeader } from '../dead-letter.ts';
import type { KafkaEvent } from '../decode/event.ts';
import { EncodeError, RecordRejectedError, Stage } from '../errors.ts';
import { handlerFor } from '../handler/handler-for.ts';
import type { DeadLetter, Output } from '../outputs/output.ts';
import type { OutputSpec } from '../outputs/spec.ts';
import type { TableOutputSpec } from '../outputs/table.ts';
import type { TopicOutputSpec } from '../outputs/topic.ts';
import type { FlowRecord } from '../record.ts';
import type { Flow } from '../topology/flow.ts';
import { EventBuilder, type TestRecord } from './kafka-event.ts';
import { type Item, MemoryTables } from './memory-tables.ts';
import { silentMetrics } from './silent-metrics.ts';

export interface TestFlowOptions {
  /** Reference tables as plain items, by table name: what enrich steps look up and `toTable` outputs write. */
  readonly tables?: Readonly<Record<string, readonly Item[]>>;
  /** The first record's create time; each next record is one second later. @default '2026-01-01T00:00:00Z' */
  readonly startTime?: Date | number | string;
}

/** Where a record came from: its source topic, partition and offset. */
export interface SourceCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A record an output received, as the flow made it (before the output encodes it).
 * @typeParam V - the value type the flow's outputs receive (what its last step gives)
 */
export interface OutputRecord<V = unknown> {
  readonly key: string | null;
  /** The value; null for a tombstone. */
  readonly value: V | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly source: SourceCoordinates;
}

/** A record that reached no output and was not dead-lettered: a filter, an inner-join miss, or no `when` matched. */
export interface FilteredRecord {
  readonly key: string | null;
  /** The value as sent: JSON parsed when it is JSON, else its UTF-8 text; null for a tombstone. */
  readonly value: unknown;
  readonly source: SourceCoordinates;
}

/** A record the flow sent to its dead-letter output, read back from the context headers. */
export interface DeadLetterRecord {
  /** Where it failed: decode, validate, step, enrich, filter, output (see `Stage`). */
  readonly stage: string;
  /** The error's class, e.g. `ValidationError`. */
  readonly errorClass: string;
  /** The error message, as the dead-letter header carries it (at most 1 KB). */
  readonly reason: string;
  /** The step or output that rejected it. */
  readonly component: string;
  /** The original key. */
  readonly key: string | null;
  /** The original value: JSON parsed when it is JSON, else its UTF-8 text; null for a tombstone. */
  readonly value: unknown;
  /** The original value's bytes. */
  readonly bytes: Buffer | null;
  readonly source: SourceCoordinates;
}

export interface TestFlowSummary {
  readonly recordsIn: number;
  /** Records each output received, by output name. */
  readonly out: Readonly<Record<string, number>>;
  readonly filtered: number;
  readonly deadLettered: number;
  readonly deadLettersByStage: Readonly<Record<string, number>>;
}

/**
 * What one send made of its records.
 * @typeParam V - the value type the flow's outputs receive
 */
export interface TestFlowResult<V = unknown> {
  /** What each output received in order: topic outputs by topic name, others by output name (`table:customers`). */
  readonly outputs: Readonly<Record<string, readonly OutputRecord<V>[]>>;
  readonly filtered: readonly FilteredRecord[];
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly summary: TestFlowSummary;
  /** The handler's partial batch response items (`topic-partition` and the offset to resume from). */
  readonly batchItemFailures: readonly { readonly partition: string; readonly offset: number }[];
}

/**
 * Feeds a flow and reports what came out.
 * @typeParam V - the value type the flow's outputs receive (`Flow<In, Out>`'s `Out`)
 */
export interface FlowDriver<V = unknown> {
  /** Feeds records through the flow's handler as one batch, and returns what came out of it. */
  send(records: readonly TestRecord[]): Promise<TestFlowResult<V>>;
  /** Feeds a Lambda Kafka event (e.g. a parsed `events/invoke/*.json`, or its JSON text) through the handler. */
  sendEvent(event: KafkaEvent | string): Promise<TestFlowResult<V>>;
  /** A table's items now (given ones plus what `toTable` outputs wrote), without the loader's own attributes. */
  table(name: string): Item[];
}

const textOrJson = (bytes: Buffer | null): unknown => {
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const coordinates = (r: { topic: string; partition: number; offset: number }): SourceCoordinates => ({
  topic: r.topic,
  partition: r.partition,
  offset: r.offset,
});

const id = (r: SourceCoordinates): string => `${r.topic}-${r.partition}@${r.offset}`;

/** The name a test reads an output by: a topic output by its topic. */
const outputName = (spec: OutputSpec): string =>
  spec.kind === 'topic' ? (spec.resources.topics?.[0] ?? spec.name) : spec.name;

const context = {
  functionName: 'sluice-test-kit',
  awsRequestId: 'test-kit',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/**
 * Drives a flow like Kafka Streams' `TopologyTestDriver`: records go through the flow's real handler
 * (`handlerFor(flow)`: decode → steps → outputs → dead letters), with outputs in memory and tables given as
 * plain items, and each send returns what every output received, what was filtered and what was
 * dead-lettered, with stage and reason. Nothing reaches a network: enrich steps read the given tables, and
 * `toTable` outputs write them (the loader's plan: last write per key, Debezium changes in source order). Topic,
 * lake and search outputs record what they were given; they do not encode it (the real writers' own checks,
 * e.g. message size or lake time range, are not run), except that a registry topic output (`registryEncoding`)
 * checks each value against the topic's declared schema and dead-letters a misfit as the real writer does, without
 * calling the registry.
 *
 * @example
 * import { testFlow } from '../shared/testing/index.ts';
 * import { flow } from '../functions/enrich-reviews.ts';
 *
 * const driver = testFlow(flow, {
 *   tables: { customers: [{ customerId: 'c-1', tier: 'gold' }], products: [{ productId: 'p-1' }] },
 * });
 * const result = await driver.send([
 *   { key: 'r-1', value: { reviewId: 'r-1', customerId: 'c-1', productId: 'p-1', rating: 1 } },
 * ]);
 * result.outputs['reviews.alerts']; // [{ key: 'r-1', value: { ..., customer: { tier: 'gold' } }, ... }]
 * result.deadLetters; // [] (or { stage, errorClass, reason, key, value } per rejected record)
 */
export const testFlow = <In, Out>(flow: Flow<In, Out>, options: TestFlowOptions = {}): FlowDriver<Out> => {
  const tables = new MemoryTables(options.tables);
  const builder = new EventBuilder(flow.source.topic.name, options.startTime ?? '2026-01-01T00:00:00Z');
  let received = new Map<string, OutputRecord[]>();
  let deadLetters: DeadLetterRecord[] = [];

  const capture = (spec: OutputSpec): Output => {
    const name = outputName(spec);
    const isDeadLetter = spec === flow.deadLetter;
    return {
      name: spec.name,
      write: async (records: readonly FlowRecord[]) => {
        if (isDeadLetter) {
          for (const r of records) deadLetters.push(readDeadLetter(r));
          return { written: records.length, deadLetters: [] };
        }
        let rejected: readonly DeadLetter[] = [];
        const encoding = spec.kind === 'topic' ? (spec as TopicOutputSpec).encoding : undefined;
        if (encoding !== undefined) {
          // A registry topic's declared schema, checked as the real writer encodes (no registry call).
          const misfits: DeadLetter[] = [];
          for (const record of records) {
            try {
              encoding.check(record.value);
            } catch (error) {
              if (!(error instanceof EncodeError)) throw error;
              misfits.push({ record, stage: Stage.Output, error, component: spec.name });
            }
          }
          rejected = misfits;
        }
        if (spec.kind === 'table') {
          rejected = tables.write(spec as TableOutputSpec, records).map(([record, error]) => ({
            record,
            stage: Stage.Output,
            error: error instanceof RecordRejectedError ? error : new RecordRejectedError(error.message),
            component: spec.name,
          }));
        }
        const refused = new Set(rejected.map((d) => d.record));
        const list = received.get(name) ?? [];
        received.set(name, list);
        for (const r of records) {
          if (refused.has(r)) continue;
          list.push({ key: r.key, value: r.value, headers: r.headers, source: coordinates(r.source) });
        }
        return { written: records.length - refused.size, deadLetters: rejected };
      },
    };
  };

  const handler = handlerFor(flow, {
    ports: { dynamodb: tables.port },
    createOutput: capture,
    logger: new Logger({ serviceName: flow.name, logLevel: 'SILENT' }),
    metrics: silentMetrics(flow.name),
  });

  const sendEvent = async (input: KafkaEvent | string): Promise<TestFlowResult<Out>> => {
    const event: KafkaEvent = typeof input === 'string' ? JSON.parse(input) : input;
    received = new Map(flow.outputs.map((spec) => [outputName(spec), []]));
    deadLetters = [];
    const response = await handler(event, context);
    const reached = new Set<string>();
    for (const list of received.values()) for (const r of list) reached.add(id(r.source));
    for (const d of deadLetters) reached.add(id(d.source));
    const filtered: FilteredRecord[] = [];
    let recordsIn = 0;
    for (const group of Object.values(event.records ?? {})) {
      for (const r of group) {
        recordsIn++;
        if (reached.has(id(r))) continue;
        filtered.push({
          key: r.key ? Buffer.from(r.key, 'base64').toString('utf8') : null,
          value: textOrJson(r.value ? Buffer.from(r.value, 'base64') : null),
          source: coordinates(r),
        });
      }
    }
    const deadLettersByStage: Record<string, number> = {};
    for (const d of deadLetters) deadLettersByStage[d.stage] = (deadLettersByStage[d.stage] ?? 0) + 1;
    // The values the flow's last step gave: `Out` is what the flow's types say they are.
    const outputs = Object.fromEntries(received) as Record<string, OutputRecord<Out>[]>;
    return {
      outputs,
      filtered,
      deadLetters,
      summary: {
        recordsIn,
        out: Object.fromEntries([...received].map(([name, list]) => [name, list.length])),
        filtered: filtered.length,
        deadLettered: deadLetters.length,
        deadLettersByStage,
      },
      batchItemFailures: (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier),
    };
  };

  return {
    send: (records) => sendEvent(builder.event(records)),
    sendEvent,
    table: (name) => tables.items(name),
  };
};

const readDeadLetter = (record: FlowRecord): DeadLetterRecord => {
  const h = record.headers;
  const bytes = Buffer.isBuffer(record.value) ? record.value : null;
  return {
    stage: h[DeadLetterHeader.Stage] ?? '',
    errorClass: h[DeadLetterHeader.ErrorClass] ?? '',
    reason: h[DeadLetterHeader.ErrorMessage] ?? '',
    component: h[DeadLetterHeader.Component] ?? '',
    key: record.key,
    value: textOrJson(bytes),
    bytes,
    source: coordinates(record.source),
  };
};
