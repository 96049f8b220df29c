/**
 * Runs a list of Kafka operations with one client library, on the Node.js that runs it (the tests start it on
 * Node.js 24, the functions' runtime), and prints one JSON line of results. Each client is driven with its own
 * API, not through Sluice's port, so the comparison measures the library and not our adapter.
 *
 *   node --import tsx test/integration/clients/probe.ts '<job json>'
 */
import {
  CompressionAlgorithms,
  Consumer,
  compatibilityPartitioner,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel, Partitioners, type SASLOptions } from 'kafkajs';

export type ClientName = 'kafkajs' | 'platformatic';
export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export type Operation =
  | {
      readonly op: 'produce';
      readonly topic: string;
      readonly codec: Codec;
      readonly idempotent: boolean;
      readonly messages: readonly { readonly key: string; readonly value: string }[];
    }
  | { readonly op: 'consume'; readonly topic: string; readonly count: number; readonly timeoutMs: number };

/** How to reach the broker: TLS with the broker's CA, and optionally SASL over it. */
export interface Security {
  readonly ca: string;
  readonly sasl?:
    | { readonly mechanism: 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
    | { readonly mechanism: 'OAUTHBEARER'; readonly token: string };
}

export interface Job {
  readonly client: ClientName;
  readonly broker: string;
  readonly security?: Security;
  readonly operations: readonly Operation[];
}

/** Every token the client asked for, so a test can see the provider was called (on each authentication). */
let tokensGiven = 0;
const tokenProvider = (token: string) => async () => {
  tokensGiven += 1;
  return token;
};

export interface Consumed {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
}

export type Outcome =
  | { readonly ok: true; readonly records?: Consumed[]; readonly tokensGiven: number }
  | { readonly ok: false; readonly error: string; readonly tooLarge: boolean };

const describe = (error: unknown): string => {
  const parts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    parts.push(`${e.name}: ${e.message}`);
  return parts.join(' <- ') || String(error);
};

/**
 * Either client's way of saying "the broker refused this batch as too large", anywhere in the error tree: kafkajs
 * sets `type` and wraps in `cause`; platformatic sets `apiId` and nests in AggregateError `errors`.
 */
const isTooLarge = (error: unknown, depth = 0): boolean => {
  if (!(error instanceof Error) || depth > 6) return false;
  const { type, apiId, errors } = error as { type?: string; apiId?: string; errors?: unknown[] };
  if (/^(MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE)$/.test(type ?? apiId ?? '')) return true;
  return [error.cause, ...(errors ?? [])].some((inner) => isTooLarge(inner, depth + 1));
};

const kafkajsCodec: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const kafkajsSasl = (sasl: Security['sasl']): SASLOptions | undefined => {
  if (!sasl) return undefined;
  if (sasl.mechanism === 'SCRAM-SHA-512')
    return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  const value = tokenProvider(sasl.token);
  return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await value() }) };
};

const kafkajs = (broker: string, security: Security | undefined) => {
  const kafka = new Kafka({
    clientId: 'probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    ...(security && { ssl: { ca: [security.ca] }, sasl: kafkajsSasl(security.sasl) }),
    connectionTimeout: 5_000,
    retry: { retries: 1 },
  });
  return {
    async produce(o: Extract<Operation, { op: 'produce' }>) {
      const producer = kafka.producer({
        idempotent: o.idempotent,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 1 },
      });
      await producer.connect();
      try {
        await producer.send({
          topic: o.topic,
          acks: -1,
          compression: kafkajsCodec[o.codec],
          messages: o.messages.map((m) => ({ key: m.key, value: m.value })),
        });
      } finally {
        await producer.disconnect();
      }
    },
    async consume(o: Extract<Operation, { op: 'consume' }>): Promise<Consumed[]> {
      const consumer = kafka.consumer({
        groupId: `probe-${Date.now()}-${Math.random()}`,
        retry: { retries: 0 },
      });
      const seen: Consumed[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: o.topic, fromBeginning: true });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`timed out after ${seen.length} records`)),
            o.timeoutMs,
          );
          consumer.on(consumer.events.CRASH, (event) => {
            clearTimeout(timer);
            reject(event.payload.error);
          });
          void consumer.run({
            eachMessage: async ({ partition, message }) => {
              seen.push({
                key: message.key?.toString() ?? '',
                value: message.value?.toString() ?? '',
                partition,
              });
              if (seen.length >= o.count) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },
  };
};

const platformaticSecurity = (security: Security | undefined) => {
  if (!security) return {};
  const { sasl } = security;
  return {
    tls: { ca: security.ca },
    ...(sasl?.mechanism === 'SCRAM-SHA-512' && { sasl }),
    ...(sasl?.mechanism === 'OAUTHBEARER' && {
      sasl: { mechanism: sasl.mechanism, token: tokenProvider(sasl.token) },
    }),
  };
};

const platformatic = (broker: string, security: Security | undefined) => ({
  async produce(o: Extract<Operation, { op: 'produce' }>) {
    const producer = new Producer({
      clientId: 'probe',
      bootstrapBrokers: [broker],
      ...platformaticSecurity(security),
      acks: ProduceAcks.ALL,
      idempotent: o.idempotent,
      compression: CompressionAlgorithms[o.codec.toUpperCase() as keyof typeof CompressionAlgorithms],
      partitioner: compatibilityPartitioner,
      retries: 1,
    });
    try {
      await producer.send({
        messages: o.messages.map((m) => ({
          topic: o.topic,
          key: Buffer.from(m.key),
          value: Buffer.from(m.value),
        })),
      });
    } finally {
      await producer.close();
    }
  },
  async consume(o: Extract<Operation, { op: 'consume' }>): Promise<Consumed[]> {
    const consumer = new Consumer({
      groupId: `probe-${Date.now()}-${Math.random()}`,
      clientId: 'probe',
      bootstrapBrokers: [broker],
      ...platformaticSecurity(security),
    });
    const seen: Consumed[] = [];
    try {
      const stream = await consumer.consume({
        topics: [o.topic],
        mode: MessagesStreamModes.EARLIEST,
        autocommit: false,
      });
      const errored = new Promise<never>((_, reject) => stream.once('error', reject));
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`timed out after ${seen.length} records`)), o.timeoutMs).unref(),
      );
      const read = (async () => {
        for await (const message of stream) {
          seen.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            partition: message.partition,
          });
          if (seen.length >= o.count) break;
        }
      })();
      await Promise.race([read, errored, timeout]);
    } finally {
      await consumer.close(true);
    }
    return seen;
  },
});

const run = async (job: Job): Promise<Outcome[]> => {
  const client =
    job.client === 'kafkajs' ? kafkajs(job.broker, job.security) : platformatic(job.broker, job.security);
  const outcomes: Outcome[] = [];
  for (const operation of job.operations) {
    try {
      if (operation.op === 'produce') {
        await client.produce(operation);
        outcomes.push({ ok: true, tokensGiven });
      } else outcomes.push({ ok: true, records: await client.consume(operation), tokensGiven });
    } catch (error) {
      outcomes.push({ ok: false, error: describe(error), tooLarge: isTooLarge(error) });
    }
  }
  return outcomes;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const outcomes = await run(JSON.parse(process.argv[2] ?? '{}') as Job);
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
  process.exit(0);
}
