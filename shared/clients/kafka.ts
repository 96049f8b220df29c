/**
 * The one module that knows the Kafka client library (kafkajs today). Everything else talks to the small
 * `KafkaProducer` port below, which is the seam where `@platformatic/kafka` could replace kafkajs.
 */
import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { RetriableError } from '../errors.ts';
import { type KafkaAuth, kafkaAuthFromEnv, kafkaSecurity } from './kafka-auth.ts';
import { mskIamToken } from './msk-iam.ts';
import { readSecret } from './secrets.ts';

export interface ProducedMessage {
  readonly key: Buffer | null;
  /** null produces a tombstone. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string | Buffer>>;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly ProducedMessage[];
}

export interface KafkaProducer {
  /** One batched, acknowledged (acks=all), gzip-compressed send; resolves when every message is durable. */
  sendBatch(batch: readonly TopicMessages[]): Promise<void>;
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

/** Builds a kafkajs-backed producer. It connects on first send and reconnects after a failure. */
export const createKafkaProducer = (connection: KafkaConnection): KafkaProducer => {
  let connected: Promise<Producer> | undefined;

  const connect = async (): Promise<Producer> => {
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
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // One request in flight per broker keeps per-partition order through kafkajs's internal retries.
      maxInFlightRequests: 1,
    });
    if (connection.onRequest) {
      const onRequest = connection.onRequest;
      producer.on(producer.events.REQUEST, (event) => onRequest(event.payload.apiName));
    }
    await producer.connect();
    return producer;
  };

  const reset = async (): Promise<void> => {
    const current = connected;
    connected = undefined;
    if (current) await current.then((producer) => producer.disconnect()).catch(() => undefined);
  };

  return {
    async sendBatch(batch) {
      if (batch.every((topic) => topic.messages.length === 0)) return;
      try {
        connected ??= connect();
        const producer = await connected;
        await producer.sendBatch({
          topicMessages: batch.map(({ topic, messages }) => ({
            topic,
            messages: messages.map(({ key, value, headers }) => ({ key, value, headers: { ...headers } })),
          })),
          acks: -1,
          compression: CompressionTypes.GZIP,
          timeout: 30_000,
        });
      } catch (error) {
        // Start from a clean connection next time: a producer that saw a broker go away may be stuck.
        await reset();
        throw new RetriableError(`kafka send failed: ${describe(error)}`, { cause: error });
      }
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
