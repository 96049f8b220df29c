import { isUtf8 } from 'node:buffer';
import type { ProducedHeader, ProducedMessage, SendOptions, TopicMessages } from '../clients/kafka.ts';
import { EncodeError, MessageTooLargeError, RecordRejectedError, Stage } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { encodeKey, encodeValue } from './encode.ts';
import { addLineage, isLineageHeader } from './lineage.ts';
import type { DeadLetter, Output, OutputContext } from './output.ts';
import type { RateLimiter } from './rate-limit.ts';
import { batchBytes, cutSends, recordBytes, type Sized } from './send-plan.ts';

export interface TopicWriterDeps {
  /** Taken from before each request (rate-limit.ts); none when the output has no `rateLimit`. */
  readonly limiter?: RateLimiter;
  readonly name: string;
  readonly topic: string;
  readonly producer: () => {
    sendBatch(batch: readonly TopicMessages[], options?: SendOptions): Promise<void>;
    partitionOf?(topic: string, key: Buffer | null): number | undefined;
  };
  /** The topic's `max.message.bytes`: no partition's record batch in one send exceeds it. */
  readonly maxMessageBytes: number;
  /**
   * A registry topic's encoder (`registryEncoding`): `ready` before each batch's first value (the schema looked up
   * once), then every non-null value is encoded in the declared schema.
   * @default none: values as `encodeValue` writes them
   */
  readonly encoder?: {
    readonly ready: () => Promise<void>;
    readonly encode: (value: unknown) => Buffer;
  };
}

/**
 * Time kept back from the invocation's remaining time, so that after a send that used its whole budget the
 * dead letters can still be written and the batch's summary line logged.
 */
const reserveMs = (remainingMs: number): number => Math.min(2_000, Math.max(0, remainingMs) / 10);

/**
 * Headers to forward, in order, repeated names kept: every source header whose name a step left as decoding gave
 * it (as the very bytes that arrived, binary ones included), then the names a step added or changed. Lineage
 * headers are this hop's (added by `toProducedMessage`), not inherited.
 */
export const forwardedHeaders = (record: FlowRecord): ProducedHeader[] => {
  const view = record.headers;
  const forwarded: ProducedHeader[] = [];
  if (view === record.source.decodedHeaders) {
    // Untouched since decoding, all text, no name repeated: the strings encode back to the bytes that arrived.
    for (const key in view) if (!isLineageHeader(key)) forwarded.push({ key, value: view[key] as string });
    return forwarded;
  }
  const source = record.source.headers;
  // What decoding put in the view for each name: its last UTF-8 value (undefined when none was UTF-8).
  const decoded = new Map<string, string | undefined>();
  for (const { key, value } of source) {
    if (isUtf8(value)) decoded.set(key, value.toString('utf8'));
    else if (!decoded.has(key)) decoded.set(key, undefined);
  }
  for (const header of source) {
    if (isLineageHeader(header.key)) continue;
    const now = Object.hasOwn(view, header.key) ? view[header.key] : undefined;
    if (now === decoded.get(header.key)) forwarded.push(header);
  }
  for (const key of Object.keys(view)) {
    if (isLineageHeader(key)) continue;
    const value = view[key] as string;
    if (!decoded.has(key) || decoded.get(key) !== value) forwarded.push({ key, value });
  }
  return forwarded;
};

/**
 * The produced form of a record: key bytes preserved, value encoded, headers forwarded plus lineage (inbound
 * lineage extended only when `trustsLineage`: the source topic is internal).
 */
export const toProducedMessage = (
  record: FlowRecord,
  flowName: string,
  trustsLineage = false,
  encode: (value: unknown) => Buffer | null = encodeValue,
): ProducedMessage => {
  // The value first: one that does not fit a registry schema costs no header work.
  const value = record.value === null || record.value === undefined ? null : encode(record.value);
  const headers = forwardedHeaders(record);
  const lineage = addLineage({}, record, flowName, trustsLineage);
  for (const key in lineage) headers.push({ key, value: lineage[key] as string | Buffer });
  return { key: encodeKey(record), value, headers };
};

interface Pending extends Sized {
  readonly record: FlowRecord;
  readonly message: ProducedMessage;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Writes a batch to one topic in source order: one send when it fits the topic's `max.message.bytes`, else
 * consecutive sends cut by bytes per partition. A record that cannot be encoded, or is too large on its own, is
 * dead-lettered; a send the broker still refuses as too large is split in halves and sent again.
 */
export const createTopicWriter = (deps: TopicWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const producer = deps.producer();
    const deadLetters: DeadLetter[] = [];
    const reject = (record: FlowRecord, reason: string | EncodeError): void => {
      const error = typeof reason === 'string' ? new RecordRejectedError(reason) : reason;
      deadLetters.push({ record, stage: Stage.Output, error, component: deps.name });
    };
    const encoder = deps.encoder;
    // The registry answers here, before any record: unreachable fails the batch (retriable), nothing dead-lettered.
    if (encoder !== undefined && records.length > 0) await encoder.ready();
    const pending: Pending[] = [];
    for (const record of records) {
      try {
        const message = toProducedMessage(record, context.flowName, context.trustsLineage, encoder?.encode);
        const bytes = recordBytes(message);
        if (batchBytes(bytes) > deps.maxMessageBytes) {
          reject(
            record,
            `record of ${bytes} bytes exceeds the ${deps.maxMessageBytes}-byte limit (max.message.bytes) of topic ${deps.topic}`,
          );
          continue;
        }
        const partition = producer.partitionOf?.(deps.topic, message.key);
        pending.push({ record, message, bytes, partition });
      } catch (error) {
        // Record content (a 20,000-deep array, a BigInt, a throwing toJSON, a value its schema cannot carry)
        // must not fail the batch.
        if (error instanceof EncodeError) {
          const message = `cannot encode the record for topic ${deps.topic}: ${error.message}`;
          reject(record, new EncodeError(message, { reason: error.reason, cause: error }));
        } else reject(record, `cannot encode the record for topic ${deps.topic}: ${describe(error)}`);
      }
    }

    const deadline = deadlineOf(context);
    let written = 0;
    const send = async (run: readonly Pending[]): Promise<void> => {
      try {
        await deps.limiter?.acquire(run.length, deadline);
        const options = deadline === undefined ? {} : { budgetMs: Math.floor(deadline - Date.now()) };
        await producer.sendBatch([{ topic: deps.topic, messages: run.map((p) => p.message) }], options);
        written += run.length;
      } catch (error) {
        if (!(error instanceof MessageTooLargeError)) throw error;
        const [only] = run;
        if (run.length === 1 && only) {
          reject(only.record, `topic ${deps.topic} refused the record as too large: ${error.message}`);
          return;
        }
        // The estimate was short (the partition count changed, or the topic's limit is lower than declared).
        const half = Math.ceil(run.length / 2);
        await send(run.slice(0, half));
        await send(run.slice(half));
      }
    };
    for (const run of cutSends(pending, deps.maxMessageBytes)) await send(run);
    return { written, deadLetters };
  },
});

/** The wall-clock time by which sends must be done, or undefined when the invocation's time is unknown. */
const deadlineOf = (context: OutputContext): number | undefined =>
  context.deadlineMs === undefined
    ? undefined
    : Date.now() + context.deadlineMs - reserveMs(context.deadlineMs);
