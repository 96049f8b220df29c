/**
 * The one module that knows the Kafka client library (kafkajs today). Everything else talks to the small
 * `KafkaProducer` port below, which is the seam where `@platformatic/kafka` could replace kafkajs.
 */
import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
// kafkajs's CommonJS exports hide CompressionCodecs from Node's named-export detection: taken from its default.
import kafkajs, {
  CompressionTypes,
  type IHeaders,
  Kafka,
  logLevel,
  type PartitionerArgs,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { MessageTooLargeError, RetriableError } from '../errors.ts';
import { type KafkaAuth, kafkaAuthFromEnv, kafkaSecurity } from './kafka-auth.ts';
import { mskIamToken } from './msk-iam.ts';
import { readSecret } from './secrets.ts';

/** One header of a produced record; a string is sent as its UTF-8 bytes. */
export interface ProducedHeader {
  readonly key: string;
  readonly value: Buffer | string;
}

export interface ProducedMessage {
  readonly key: Buffer | null;
  /** null produces a tombstone. */
  readonly value: Buffer | null;
  /** In order, repeated names kept (see `toKafkaHeaders` for what kafkajs can keep of the order). */
  readonly headers: readonly ProducedHeader[];
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly ProducedMessage[];
}

export interface SendOptions {
  /**
   * Time this send may take, connecting and kafkajs's own retries included; past it the send fails with a
   * RetriableError, so a hung broker ends before the function's timeout.
   * @default unbounded (kafkajs's request timeout and retries alone)
   */
  readonly budgetMs?: number;
}

export interface KafkaProducer {
  /**
   * One batched, acknowledged (acks=all), gzip-compressed send; resolves when every message is durable. Throws
   * MessageTooLargeError when the broker refuses a record batch as too large, RetriableError on anything else.
   */
  sendBatch(batch: readonly TopicMessages[], options?: SendOptions): Promise<void>;
  /**
   * The partition a message with this key goes to (the Java client's murmur2), once the topic's partition count
   * is known from an earlier send; undefined before that and for a null key (spread over partitions).
   */
  partitionOf?(topic: string, key: Buffer | null): number | undefined;
  disconnect(): Promise<void>;
}

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly auth: KafkaAuth;
  readonly clientId?: string;
  /** Called for every request sent to a broker (API name), for metrics and benchmarks. */
  readonly onRequest?: (apiName: string) => void;
}

export const kafkaConnectionFromEnv = (env: NodeJS.ProcessEnv = process.env): KafkaConnection => ({
  brokers: (env.SLUICE_KAFKA_BROKERS ?? 'localhost:9092')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean),
  auth: kafkaAuthFromEnv(env),
  clientId: env.AWS_LAMBDA_FUNCTION_NAME ?? 'sluice',
});

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** kafkajs protocol error types that mean "this record batch is larger than the topic accepts". */
const tooLargeTypes: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** True when the error, or one it wraps (kafkajs wraps protocol errors in retrier errors), is a size refusal. */
const isTooLarge = (error: unknown): boolean => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (tooLargeTypes.has((e as { type?: string }).type ?? '')) return true;
  }
  return false;
};

/**
 * Headers as kafkajs takes them: an object of name → value or values. kafkajs 2.2.4 writes them in the object's
 * key order, each name's values in array order (protocol/recordBatch/record/v0/index.js), so every header, every
 * repeat and every byte is kept, and the order is kept per name; names that repeat with others in between
 * (A, B, A) are sent grouped by name (A, A, B) — an object cannot hold a name twice. The object has no prototype,
 * so names like `__proto__` or `constructor` are ordinary keys; names that start with a digit could be array
 * indices, which an object lists first, so then a Proxy lists the names in the order they came.
 */
export const toKafkaHeaders = (headers: readonly ProducedHeader[]): IHeaders => {
  const grouped: Record<string, Buffer | string | (Buffer | string)[]> = Object.create(null);
  let digitFirst = false;
  for (const { key, value } of headers) {
    const seen = grouped[key];
    if (seen === undefined) {
      grouped[key] = value;
      const c = key.charCodeAt(0);
      if (c >= 48 && c <= 57) digitFirst = true;
    } else if (Array.isArray(seen)) seen.push(value);
    else grouped[key] = [seen, value];
  }
  if (!digitFirst) return grouped;
  const order = [...new Set(headers.map((h) => h.key))];
  return new Proxy(grouped, { ownKeys: () => order });
};

/** Rejects with a RetriableError when `work` has not settled within `ms`; `work` is abandoned, not awaited. */
const withinBudget = async (work: Promise<void>, ms: number): Promise<void> => {
  // An abandoned send may still fail later (its connection is closed); that failure was already reported.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RetriableError(`kafka send did not finish within its ${ms} ms budget`)),
      ms,
    );
  });
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
};

/** Partition metadata of `count` partitions, all with a leader: enough for the partitioner's keyed branch. */
const metadataOf = (count: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

/**
 * The gzip level of produced record batches. kafkajs gzips at zlib's default (6); level 1 took a third of its CPU
 * on the e2e benchmark's reviews (0.6 against 1.9 µs per record, 500-record batches) for batches 1 % larger.
 */
export const GZIP_LEVEL = 1;

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/** kafkajs's gzip codec at GZIP_LEVEL, through its public `CompressionCodecs`; decompression as kafkajs's own. */
export const gzipCodec = () => ({
  compress: (encoder: { readonly buffer: Buffer }): Promise<Buffer> =>
    gzipAsync(encoder.buffer, { level: GZIP_LEVEL }),
  decompress: (buffer: Buffer): Promise<Buffer> => unzipAsync(buffer),
});

/** Builds a kafkajs-backed producer. It connects on first send and reconnects after a failure. */
export const createKafkaProducer = (connection: KafkaConnection): KafkaProducer => {
  // kafkajs keeps one codec table per process; in a function bundle this module is its only user.
  kafkajs.CompressionCodecs[CompressionTypes.GZIP] = gzipCodec;
  let connected: Promise<Producer> | undefined;
  // The producer of `connected` as soon as it exists: closing it aborts a connect that a hung broker holds up.
  let made: Producer | undefined;
  // Bumped by every reset, so a connect that outlives its reset does not claim `made`.
  let generation = 0;
  // Learnt from the partitioner at each send, so later sends can be cut per partition.
  const partitionCounts = new Map<string, PartitionerArgs['partitionMetadata']>();
  const keyed = Partitioners.DefaultPartitioner();

  const connect = async (): Promise<Producer> => {
    const mine = generation;
    const security = await kafkaSecurity(connection.auth, {
      region: process.env.AWS_REGION ?? 'us-east-1',
      iamToken: (region) => mskIamToken(region),
      readSecret: (arn) => readSecret(arn),
    });
    const kafka = new Kafka({
      clientId: connection.clientId ?? 'sluice',
      brokers: [...connection.brokers],
      ...security,
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({
      // Java-compatible murmur2 on the key bytes: keyed records land where a Java producer would put them.
      createPartitioner: () => {
        const partitioner = Partitioners.DefaultPartitioner();
        return (args) => {
          if (partitionCounts.get(args.topic)?.length !== args.partitionMetadata.length)
            partitionCounts.set(args.topic, metadataOf(args.partitionMetadata.length));
          return partitioner(args);
        };
      },
      allowAutoTopicCreation: false,
      // One request in flight per broker keeps per-partition order through kafkajs's internal retries.
      maxInFlightRequests: 1,
    });
    if (connection.onRequest) {
      const onRequest = connection.onRequest;
      producer.on(producer.events.REQUEST, (event) => onRequest(event.payload.apiName));
    }
    if (mine === generation) made = producer;
    await producer.connect();
    return producer;
  };

  const reset = async (): Promise<void> => {
    const current = connected;
    const producer = made;
    connected = undefined;
    made = undefined;
    generation++;
    if (producer) await producer.disconnect().catch(() => undefined);
    else if (current) await current.then((p) => p.disconnect()).catch(() => undefined);
  };

  const send = async (batch: readonly TopicMessages[], ackTimeoutMs: number): Promise<void> => {
    connected ??= connect();
    const producer = await connected;
    await producer.sendBatch({
      topicMessages: batch.map(({ topic, messages }) => ({
        topic,
        messages: messages.map(({ key, value, headers }) => ({
          key,
          value,
          headers: toKafkaHeaders(headers),
        })),
      })),
      acks: -1,
      compression: CompressionTypes.GZIP,
      timeout: ackTimeoutMs,
    });
  };

  return {
    async sendBatch(batch, options = {}) {
      if (batch.every((topic) => topic.messages.length === 0)) return;
      const { budgetMs } = options;
      try {
        if (budgetMs === undefined) await send(batch, 30_000);
        else if (budgetMs <= 0) throw new RetriableError('no time left in the invocation for a kafka send');
        else await withinBudget(send(batch, Math.min(30_000, budgetMs)), budgetMs);
      } catch (error) {
        // Only this record batch is at fault: the connection is fine and the caller splits the send.
        if (isTooLarge(error)) throw new MessageTooLargeError(describe(error), { cause: error });
        // Start from a clean connection next time: a producer that saw a broker go away may be stuck. Not
        // awaited: closing a connection to a hung broker must not spend the time the budget just saved.
        void reset();
        if (error instanceof RetriableError) throw error;
        throw new RetriableError(`kafka send failed: ${describe(error)}`, { cause: error });
      }
    },
    partitionOf(topic, key) {
      const partitionMetadata = partitionCounts.get(topic);
      if (key === null || partitionMetadata === undefined) return undefined;
      return keyed({ topic, partitionMetadata, message: { key, value: null } });
    },
    disconnect: reset,
  };
};

const producers = new Map<string, KafkaProducer>();

/** The producer for a connection, created once per execution environment and reused by every invocation. */
export const kafkaProducer = (connection: KafkaConnection = kafkaConnectionFromEnv()): KafkaProducer => {
  const id = JSON.stringify([connection.brokers, connection.auth, connection.clientId]);
  let producer = producers.get(id);
  if (!producer) {
    producer = createKafkaProducer(connection);
    producers.set(id, producer);
  }
  return producer;
};
