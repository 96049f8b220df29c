import { batchItemFailures, type KafkaBatchResponse } from '../batch-response.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { decodeBatch, type PartitionRange } from '../decode/decode-batch.ts';
import type { KafkaEvent } from '../decode/event.ts';
import { isRetriable, SluiceError } from '../errors.ts';
import { compileFilter } from '../filter/predicate.ts';
import { MetricName } from '../metrics.ts';
import { lineageRejected } from '../outputs/lineage.ts';
import type { DeadLetter, Output, OutputContext } from '../outputs/output.ts';
import type { OutputSpec } from '../outputs/spec.ts';
import type { FlowRecord, SourceRecord } from '../record.ts';
import type { BatchDelivery, StepContext, StepPorts, StepResult } from '../steps/step.ts';
import type { Flow } from '../topology/flow.ts';
import { filterDeadLetter, selectorFor } from './select.ts';

/** The dead-letter `component` of a record the source filter threw for. */
export const SOURCE_FILTER = 'source filter';

export interface BatchDeps {
  /** The Output for a spec: created once per execution environment by the caller, reused across batches. */
  readonly outputFor: (spec: OutputSpec) => Output;
  readonly ports: StepPorts;
  readonly now: () => number;
  /** Remaining invocation time, passed on to outputs for bounded retries. */
  readonly remainingMs?: () => number;
}

/** The one summary of a batch: logged as one line, and the source of the batch's metrics. */
export interface BatchSummary {
  readonly flow: string;
  readonly topic: string;
  readonly partitions: readonly PartitionRange[];
  readonly recordsIn: number;
  readonly filtered: number;
  readonly deadLettered: number;
  readonly deadLettersByStage: Readonly<Record<string, number>>;
  readonly out: Readonly<Record<string, number>>;
  /** Per output that had any: records it dead-lettered and requests its target answered throttled. */
  readonly outputTrouble?: Readonly<
    Record<string, { readonly deadLettered: number; readonly throttled: number }>
  >;
  /** Records reported back for replay (partial batch response). */
  readonly failed: number;
  readonly counters: Readonly<Record<string, number>>;
  readonly durationMs: number;
  readonly maxRecordAgeMs: number;
}

export interface BatchOutcome {
  readonly summary: BatchSummary;
  /** Set when the flow reports batch item failures (`{ batchItemFailures: [] }` when none failed). */
  readonly response?: KafkaBatchResponse;
}

/**
 * Thrown when the batch must be retried whole (retriable failure without partial batch response) or fails loudly
 * (non-retriable batch-level error). Carries the summary so the handler can still log the batch line.
 */
export class BatchFailedError extends SluiceError {
  readonly summary: BatchSummary;
  constructor(cause: SluiceError, summary: BatchSummary) {
    super(cause.message, { retriable: cause.retriable, cause });
    this.summary = summary;
  }
}

const asSluiceError = (error: unknown): SluiceError =>
  error instanceof SluiceError
    ? error
    : new SluiceError(error instanceof Error ? error.message : String(error), { cause: error });

/**
 * decode → source filter (in-process, agreeing with the pushed-down FilterCriteria) → steps → outputs in
 * parallel → dead letters → outcome. Per-record failures (a filter or `when` that throws included) become dead
 * letters; a retriable failure marks the
 * records it affected (a step's whole input, an output's records, the dead letters' sources) and, with
 * `reportBatchItemFailures`, is reported per partition at the lowest affected offset — otherwise the batch
 * throws and is retried whole. Non-retriable batch-level failures (a missing table, a refused dead letter)
 * always throw: they are deployment mistakes, and the records stay in Kafka.
 */
export const runBatch = async (flow: Flow, event: KafkaEvent, deps: BatchDeps): Promise<BatchOutcome> => {
  const started = deps.now();
  const { source } = flow;
  const counters = new Map<string, number>();
  const context: StepContext = {
    flowName: flow.name,
    ports: deps.ports,
    trustsLineage: source.topic.internal,
    metrics: { count: (name, value) => counters.set(name, (counters.get(name) ?? 0) + value) },
  };
  const schemas = flow.schemas;
  if (schemas !== undefined) {
    try {
      await schemas.prepare(event);
    } catch (error) {
      // The registry could not answer: nothing was decoded, so the whole batch is retried with its records.
      throw new BatchFailedError(asSluiceError(error), unreadSummary(flow, event, deps.now() - started));
    }
  }
  const decoded = decodeBatch(event, {
    formats: { [source.topic.name]: source.topic.format },
    ...(flow.decoders ? { decoders: flow.decoders } : {}),
    ...(schemas
      ? {
          decoders: { [source.topic.format]: schemas.value },
          ...(schemas.key ? { keyDecoder: schemas.key } : {}),
        }
      : {}),
  });
  const deadLetters: DeadLetter[] = decoded.deadLetters;
  const failed: SourceRecord[] = [];
  let firstFailure: SluiceError | undefined;
  let loudFailure: SluiceError | undefined;
  const fail = (error: unknown, affected: Iterable<SourceRecord>): void => {
    const e = asSluiceError(error);
    if (!e.retriable) {
      loudFailure ??= e;
      return;
    }
    firstFailure ??= e;
    for (const s of affected) failed.push(s);
  };

  let records: FlowRecord[] = decoded.records;
  let rejectedLineage = 0;
  for (const r of records) if (lineageRejected(r, source.topic.internal)) rejectedLineage++;
  if (rejectedLineage > 0) context.metrics.count(MetricName.LineageRejected, rejectedLineage);
  let filtered = 0;
  if (source.filter !== undefined) {
    const keep = compileFilter(source.filter);
    const kept: FlowRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      let pass: boolean;
      try {
        pass = keep(record);
      } catch (error) {
        // A predicate that throws on this record's content dead-letters it; the rest of the batch goes on.
        deadLetters.push(filterDeadLetter(record, error, SOURCE_FILTER));
        continue;
      }
      if (pass) kept.push(record);
      else filtered++;
    }
    records = kept;
  }

  const commits: NonNullable<StepResult['commit']>[] = [];
  for (const step of flow.steps) {
    if (records.length === 0 || loudFailure) break;
    try {
      const result = await step.run(records, context);
      if (result.commit) commits.push(result.commit);
      records = result.records;
      filtered += result.dropped;
      for (const d of result.deadLetters) deadLetters.push(d);
    } catch (error) {
      fail(
        error,
        records.map((r) => r.source),
      );
      records = [];
    }
  }

  const out: Record<string, number> = {};
  const outputTrouble: Record<string, { deadLettered: number; throttled: number }> = {};
  const outputContext: OutputContext = {
    flowName: flow.name,
    trustsLineage: source.topic.internal,
    ...(deps.remainingMs ? { deadlineMs: deps.remainingMs() } : {}),
  };
  if (records.length > 0 && !loudFailure) {
    const writes = flow.outputs.map(async (spec) => {
      const selected = selectorFor(spec)(records, deadLetters);
      out[spec.name] = 0;
      if (selected.length === 0) return;
      try {
        const result = await deps.outputFor(spec).write(selected, outputContext);
        out[spec.name] = result.written;
        if (result.replayed) context.metrics.count(MetricName.RecordsReplayed, result.replayed);
        if (result.replayUnsure) context.metrics.count(MetricName.RecordsReplayUnsure, result.replayUnsure);
        for (const d of result.deadLetters) deadLetters.push(d);
        if (result.deadLetters.length > 0 || result.throttled)
          outputTrouble[spec.name] = {
            deadLettered: result.deadLetters.length,
            throttled: result.throttled ?? 0,
          };
      } catch (error) {
        fail(
          error,
          selected.map((r) => r.source),
        );
      }
    });
    await Promise.all(writes);
  }

  if (deadLetters.length > 0 && !loudFailure) {
    // The time left now, not when the outputs started: they may have used most of it.
    const deadLetterContext: OutputContext = {
      ...outputContext,
      ...(deps.remainingMs ? { deadlineMs: deps.remainingMs() } : {}),
    };
    await writeDeadLetters(flow, deadLetters, deps, deadLetterContext, fail);
  }

  if (commits.length > 0 && !loudFailure && (!firstFailure || source.errorHandling.reportBatchItemFailures)) {
    await commitSteps(commits, failed, decoded.records, fail);
  }

  const now = deps.now();
  let maxRecordAgeMs = 0;
  for (const r of decoded.records) {
    // Kafka's -1 ("no timestamp") would read as an age of 56 years.
    const timestamp = r.source.timestamp;
    if (timestamp >= 0) maxRecordAgeMs = Math.max(maxRecordAgeMs, now - timestamp);
  }
  const byStage: Record<string, number> = {};
  for (const d of deadLetters) byStage[d.stage] = (byStage[d.stage] ?? 0) + 1;
  const summary: BatchSummary = {
    flow: flow.name,
    topic: source.topic.name,
    partitions: decoded.partitions,
    recordsIn: decoded.total,
    filtered,
    deadLettered: deadLetters.length,
    deadLettersByStage: byStage,
    out,
    ...(Object.keys(outputTrouble).length > 0 ? { outputTrouble } : {}),
    failed: failed.length,
    counters: Object.fromEntries(counters),
    durationMs: now - started,
    maxRecordAgeMs,
  };

  if (loudFailure) throw new BatchFailedError(loudFailure, summary);
  if (firstFailure && !source.errorHandling.reportBatchItemFailures)
    throw new BatchFailedError(firstFailure, summary);
  return source.errorHandling.reportBatchItemFailures
    ? { summary, response: batchItemFailures(failed) }
    : { summary };
};

/**
 * Stateful steps' commits, in step order, once the batch is delivered (or, with partial batch response, told
 * which offsets come again). A commit that throws leaves every record of the batch to be delivered again.
 */
const commitSteps = async (
  commits: readonly NonNullable<StepResult['commit']>[],
  failed: readonly SourceRecord[],
  all: readonly FlowRecord[],
  fail: (error: unknown, affected: Iterable<SourceRecord>) => void,
): Promise<void> => {
  const lowest = new Map<number, number>();
  for (const s of failed) lowest.set(s.partition, Math.min(lowest.get(s.partition) ?? s.offset, s.offset));
  const delivery: BatchDelivery = { failed: lowest };
  try {
    for (const commit of commits) await commit(delivery);
  } catch (error) {
    fail(
      error,
      all.map((r) => r.source),
    );
  }
};

/** The summary of a batch that failed before decoding: every record counted in, none out. */
const unreadSummary = (flow: Flow, event: KafkaEvent, durationMs: number): BatchSummary => {
  let recordsIn = 0;
  const groups = event?.records;
  if (groups != null && typeof groups === 'object')
    for (const group of Object.values(groups)) if (Array.isArray(group)) recordsIn += group.length;
  return {
    flow: flow.name,
    topic: flow.source.topic.name,
    partitions: [],
    recordsIn,
    filtered: 0,
    deadLettered: 0,
    deadLettersByStage: {},
    out: {},
    failed: recordsIn,
    counters: {},
    durationMs,
    maxRecordAgeMs: 0,
  };
};

/** Each refused dead letter is sent again with less of the original: first whole, then without its value, then bare. */
const DEAD_LETTER_FALLBACKS = [{}, { omitValue: true }, { omitOriginal: true }] as const;

/**
 * Dead letters go to the flow's dead-letter topic in source order, in sends cut to fit the topic (the topic
 * writer's `max.message.bytes` handling). If that topic refuses some (too large), they are sent again without
 * their value (its size recorded in a header), then without their key and original headers too (sizes
 * recorded); refusing even that (a topic whose limit is below a few hundred bytes) fails the batch loudly, since
 * a record would otherwise be lost.
 */
const writeDeadLetters = async (
  flow: Flow,
  deadLetters: readonly DeadLetter[],
  deps: BatchDeps,
  context: OutputContext,
  fail: (error: unknown, affected: Iterable<SourceRecord>) => void,
): Promise<void> => {
  const ordered = [...deadLetters].sort(
    (a, b) =>
      a.record.source.partition - b.record.source.partition ||
      a.record.source.offset - b.record.source.offset,
  );
  const output = deps.outputFor(flow.deadLetter);
  try {
    let pending: readonly DeadLetter[] = ordered;
    let refusal: string | undefined;
    for (const options of DEAD_LETTER_FALLBACKS) {
      const records = new Map<FlowRecord, DeadLetter>(
        pending.map((d) => [deadLetterRecord(d, flow.name, options), d]),
      );
      const result = await output.write([...records.keys()], context);
      if (result.deadLetters.length === 0) return;
      refusal = result.deadLetters[0]?.error.message;
      pending = result.deadLetters.flatMap((d) => {
        const original = records.get(d.record);
        return original ? [original] : [];
      });
    }
    fail(
      new SluiceError(
        `dead-letter output ${flow.deadLetter.name} refused ${pending.length} dead letters even without their key, value and headers: ${refusal}`,
      ),
      [],
    );
  } catch (error) {
    fail(
      isRetriable(error) ? error : asSluiceError(error),
      deadLetters.map((d) => d.record.source),
    );
  }
};
