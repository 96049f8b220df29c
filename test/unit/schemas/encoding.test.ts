// Topic outputs on registry topics: `toTopic(topics.x, { encoding: registryEncoding() })` writes each value in the
// topic's declared schema, framed for Glue or a Confluent-compatible registry. The real handler batch (runBatch) and the real topic writer run; the
// Kafka producer and Glue's GetSchemaByDefinition are FAKES here (unit tests have no servers: the integration test
// test/integration/schemas/topic-encoding.test.ts does the same against moto's Glue and the local Kafka).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProducedMessage, TopicMessages } from '../../../shared/clients/kafka.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { ConfigError, RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { Output } from '../../../shared/outputs/output.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { type TopicOutputSpec, toTopic } from '../../../shared/outputs/topic.ts';
import { createTopicWriter } from '../../../shared/outputs/topic-writer.ts';
import { type RegistryEncodingOptions, registryEncoding } from '../../../shared/schemas/encoding.ts';
import { confluentRegistry, glueRegistry, type RegistryRef } from '../../../shared/schemas/registry.ts';
import { testFlow } from '../../../shared/testing/index.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TopicOptions } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';
import { reviewJsonSchema, reviewV1, reviewV2 } from './fixtures.ts';

const V2_ID = 'a1b2c3d4-0000-4000-8000-000000000002';

/** A FAKE Glue client answering GetSchemaByDefinition from memory; `down` makes it fail as an unreachable one. */
class FakeGlue {
  calls = 0;
  down = false;
  readonly held = new Map<string, string>();
  async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
    this.calls++;
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'TimeoutError' });
    if (command.constructor.name !== 'GetSchemaByDefinitionCommand')
      throw new Error(`the fake answers GetSchemaByDefinition only, not ${command.constructor.name}`);
    const id = this.held.get(String(command.input.SchemaDefinition));
    if (id === undefined)
      throw Object.assign(new Error('Schema is not found.'), { name: 'EntityNotFoundException' });
    return { SchemaVersionId: id };
  }
}

/** A FAKE producer: keeps what each send carried. */
const fakeProducer = () => {
  const sent: ProducedMessage[] = [];
  return {
    sent,
    producer: {
      async sendBatch(batch: readonly TopicMessages[]) {
        for (const topic of batch) sent.push(...topic.messages);
      },
    },
  };
};

const glue = glueRegistry({ name: 'sluice' });

/**
 * A flow from a JSON topic to an Avro topic on `registry` (schema v2 declared unless `topic` says otherwise), its
 * topic output encoded with `encoding` and written by the real topic writer over the fake producer.
 */
const flowWritingTo = (
  registry: RegistryRef,
  topic: Partial<TopicOptions>,
  encoding: ReturnType<typeof registryEncoding>,
) => {
  const topics = defineTopics({
    raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
    reviews: { name: 'reviews', partitions: 1, format: 'avro', registry, schema: reviewV2, ...topic },
    dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  });
  const out = toTopic(topics.reviews, { encoding });
  const dead = memoryTopic(topics.dead);
  const flow = defineFlow({
    name: 'write-reviews',
    source: { topic: topics.raw },
    outputs: [out],
    deadLetter: dead,
  });
  const { sent, producer } = fakeProducer();
  // The writer toTopic creates, with its encoder, given the fake producer instead of the Kafka client.
  const writer = createTopicWriter({
    name: out.name,
    topic: 'reviews',
    producer: () => producer,
    maxMessageBytes: 1_048_588,
    ...(out.encoding ? { encoder: out.encoding.encoder() } : {}),
  });
  const deps = {
    outputFor: (spec: OutputSpec): Output => (spec === out ? writer : spec.create()),
    ports: {},
    now: () => 1_700_000_100_000,
  };
  return { flow, out, deps, sent, dead: dead.output };
};

/** The same, on the fake Glue registry holding the declared schema. */
const flowWriting = (
  topic: Partial<TopicOptions> = {},
  options: Omit<RegistryEncodingOptions, 'client'> = {},
) => {
  const registry = new FakeGlue();
  registry.held.set(topic.schema ?? reviewV2, V2_ID);
  const encoding = registryEncoding({ ...options, client: Promise.resolve(registry) });
  return { ...flowWritingTo(glue, topic, encoding), registry };
};

const values = (...vs: unknown[]) =>
  kafkaEvent(vs.map((value, i) => ({ topic: 'reviews.raw', offset: i, key: `r-${i}`, value })));

const readAvro = (schema: string, bytes: Buffer | null) => ({
  ...(avro.Type.forSchema(JSON.parse(schema)).fromBuffer(bytes?.subarray(18) as Buffer) as object),
});

const headerText = (message: ProducedMessage) =>
  Object.fromEntries(message.headers.map((h) => [h.key, h.value.toString()]));

describe('a topic output on a Glue registry topic', () => {
  it('writes each value in the declared schema, framed with the schema version id Glue holds for it', async () => {
    // Prepare
    const { flow, deps, sent, dead } = flowWriting();
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 5, channel: 'app' }), deps);
    // Assess
    const [message] = sent;
    expect(sent).toHaveLength(1);
    expect([...(message?.value?.subarray(0, 2) ?? [])]).toEqual([3, 0]);
    expect(message?.value?.subarray(2, 18).toString('hex')).toBe(V2_ID.replaceAll('-', ''));
    expect(readAvro(reviewV2, message?.value ?? null)).toEqual({
      reviewId: 'r-0',
      rating: 5,
      channel: 'app',
    });
    expect(dead.records).toEqual([]);
  });

  it('keeps a string key as its UTF-8 bytes and adds the same lineage headers as any topic output', async () => {
    // Prepare
    const { flow, deps, sent } = flowWriting();
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 5, channel: 'app' }), deps);
    // Assess
    const [message] = sent as [ProducedMessage];
    expect(message.key?.toString('utf8')).toBe('r-0');
    expect(headerText(message)).toEqual({
      'sluice.source.topic': 'reviews.raw',
      'sluice.source.partition': '0',
      'sluice.source.offset': '0',
      'sluice.flow': 'write-reviews',
      'sluice.path': 'reviews.raw/0',
      'sluice.origin.offset': '0',
    });
  });

  it('dead-letters a value that does not fit the schema at stage output with DESERIALIZATION_ERROR, and writes the rest', async () => {
    // Prepare
    const { flow, deps, sent, dead } = flowWriting();
    // Act
    await runBatch(
      flow,
      values({ reviewId: 'r-0', rating: 'five' }, { reviewId: 'r-1', rating: 1, channel: 'web' }),
      deps,
    );
    // Assess
    expect(sent.map((m) => readAvro(reviewV2, m.value))).toEqual([
      { reviewId: 'r-1', rating: 1, channel: 'web' },
    ]);
    expect(
      dead.records.map((r) => ({
        key: r.key,
        stage: r.headers[DeadLetterHeader.Stage],
        errorClass: r.headers[DeadLetterHeader.ErrorClass],
        reason: r.headers[DeadLetterHeader.Reason],
        component: r.headers[DeadLetterHeader.Component],
      })),
    ).toEqual([
      {
        key: 'r-0',
        stage: 'output',
        errorClass: 'EncodeError',
        reason: 'DESERIALIZATION_ERROR',
        component: 'topic:reviews',
      },
    ]);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('rating');
  });

  it('writes a tombstone as a null value, without the schema', async () => {
    // Prepare
    const { flow, deps, sent, dead } = flowWriting();
    // Act
    await runBatch(flow, values(null), deps);
    // Assess
    expect(sent.map((m) => m.value)).toEqual([null]);
    expect(dead.records).toEqual([]);
  });

  it('looks the declared schema up once per execution environment, not per batch', async () => {
    // Prepare
    const { flow, deps, sent, registry } = flowWriting();
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 1 }), deps);
    await runBatch(flow, values({ reviewId: 'r-1', rating: 2 }), deps);
    // Assess
    expect(sent).toHaveLength(2);
    expect(registry.calls).toBe(1);
  });

  it('fails the batch as retriable, writing and dead-lettering nothing, when the registry cannot be reached', async () => {
    // Prepare
    const { flow, deps, sent, dead, registry } = flowWriting();
    registry.down = true;
    // Act
    const failure = await runBatch(flow, values({ reviewId: 'r-0', rating: 1 }), deps).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(failure).toBeInstanceOf(BatchFailedError);
    expect((failure as BatchFailedError).cause).toBeInstanceOf(RetriableError);
    expect([sent, dead.records]).toEqual([[], []]);
  });

  it('fails the batch, dead-lettering nothing, when the registry does not hold the declared schema', async () => {
    // Prepare
    const { flow, deps, sent, dead, registry } = flowWriting();
    registry.held.clear();
    // Act
    const failure = await runBatch(flow, values({ reviewId: 'r-0', rating: 1 }), deps).catch(
      (e: unknown) => e,
    );
    // Assess
    expect((failure as BatchFailedError).cause).toBeInstanceOf(ConfigError);
    expect([sent, dead.records]).toEqual([[], []]);
  });

  it('writes JSON Schema values as validated JSON text, dead-lettering one the schema refuses', async () => {
    // Prepare
    const { flow, deps, sent, dead } = flowWriting({ format: 'json-schema', schema: reviewJsonSchema });
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 4 }, { reviewId: 'r-1', rating: 9 }), deps);
    // Assess
    expect(sent.map((m) => JSON.parse(m.value?.subarray(18).toString('utf8') ?? ''))).toEqual([
      { reviewId: 'r-0', rating: 4 },
    ]);
    expect(dead.records.map((r) => r.headers[DeadLetterHeader.Reason])).toEqual(['DESERIALIZATION_ERROR']);
  });
});

describe('a topic output on a Glue Protobuf topic', () => {
  const paymentProto = `syntax = "proto3";
package sluice;
message Payment { string id = 1; int64 cents = 2; }
`;

  it('writes back 64-bit integers as decoding gives them (decimal text), exactly beyond 2^53, and dead-letters text that is no integer', async () => {
    // Prepare
    const { flow, deps, sent, dead } = flowWriting({ format: 'protobuf', schema: paymentProto });
    // Act
    await runBatch(
      flow,
      values({ id: 'p-0', cents: '9007199254740993' }, { id: 'p-1', cents: 'lots' }),
      deps,
    );
    // Assess
    const type = protobuf.parse(paymentProto, { keepCase: true }).root.lookupType('sluice.Payment');
    // After the 18-byte header, AWS's SerDe writes the message index (0: the file's only message).
    expect(sent.map((m) => m.value?.[18])).toEqual([0]);
    expect(
      sent.map((m) => type.toObject(type.decode(m.value?.subarray(19) as Buffer), { longs: String })),
    ).toEqual([{ id: 'p-0', cents: '9007199254740993' }]);
    expect(dead.records.map((r) => [r.key, r.headers[DeadLetterHeader.Reason]])).toEqual([
      ['r-1', 'DESERIALIZATION_ERROR'],
    ]);
  });
});

describe('a registry topic output in the flow test kit', () => {
  it('receives the values that fit the declared schema and dead-letters a misfit at stage output, calling no registry', async () => {
    // Prepare
    const topics = defineTopics({
      raw: { name: 'reviews.raw', format: 'json', partitions: 1 },
      reviews: { name: 'reviews', partitions: 1, format: 'avro', registry: glue, schema: reviewV2 },
      dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'write-reviews',
      source: { topic: topics.raw },
      outputs: [toTopic(topics.reviews, { encoding: registryEncoding() })],
      deadLetter: toTopic(topics.dead),
    });
    // Act
    const result = await testFlow(flow).send([
      { key: 'r-0', value: { reviewId: 'r-0', rating: 5, channel: 'app' } },
      { key: 'r-1', value: { reviewId: 'r-1', rating: 'five' } },
    ]);
    // Assess
    expect(result.outputs.reviews?.map((r) => r.key)).toEqual(['r-0']);
    expect(result.deadLetters.map((d) => [d.key, d.stage, d.errorClass])).toEqual([
      ['r-1', 'output', 'EncodeError'],
    ]);
  });
});

describe('declaring a topic output on a registry topic', () => {
  const topicsWith = (options: Partial<TopicOptions>) =>
    defineTopics({
      orders: { name: 'orders', format: 'avro', partitions: 1, registry: glue, schema: reviewV1, ...options },
      plain: { name: 'plain', format: 'json', partitions: 1 },
    });
  const refusal = (declare: () => unknown) => {
    try {
      declare();
    } catch (error) {
      return error instanceof ConfigError ? { path: error.path, message: error.message } : error;
    }
    return undefined;
  };

  it('refuses a registry topic written without its encoding, naming the option', () => {
    expect(refusal(() => toTopic(topicsWith({}).orders))).toMatchObject({ path: 'toTopic(orders).encoding' });
  });

  it('refuses an encoding on a topic without a registry', () => {
    expect(refusal(() => toTopic(topicsWith({}).plain, { encoding: registryEncoding() }))).toMatchObject({
      path: 'toTopic(plain).encoding',
    });
  });

  it('refuses compress on a Confluent-compatible registry, whose framing has none', () => {
    const confluent = confluentRegistry({ url: 'http://registry.test:8081' });
    expect(
      refusal(() =>
        toTopic(topicsWith({ registry: confluent }).orders, {
          encoding: registryEncoding({ compress: true }),
        }),
      ),
    ).toMatchObject({ path: 'toTopic(orders).encoding.compress' });
  });

  it('refuses a registry topic without a declared schema, and one with registry-framed keys', () => {
    const noSchema = defineTopics({
      orders: { name: 'orders', format: 'avro', partitions: 1, registry: glue },
    });
    expect(refusal(() => toTopic(noSchema.orders, { encoding: registryEncoding() }))).toMatchObject({
      path: 'topics.orders.schema',
    });
    expect(
      refusal(() => toTopic(topicsWith({ keyFormat: 'avro' }).orders, { encoding: registryEncoding() })),
    ).toMatchObject({ path: 'topics.orders.keyFormat' });
  });

  it('names the topic as the Glue schema, and <topic>-value as the Confluent subject, unless schemaName says otherwise', () => {
    const orders = topicsWith({}).orders;
    const confluent = confluentRegistry({ url: 'http://registry.test:8081' });
    const onConfluent = toTopic(topicsWith({ registry: confluent }).orders, { encoding: registryEncoding() });
    expect(onConfluent.encoding?.schemaName).toBe('orders-value');
    const spec: TopicOutputSpec = toTopic(orders, { encoding: registryEncoding() });
    const named = toTopic(orders, {
      encoding: registryEncoding({ schemaName: 'orders-value', register: true }),
    });
    expect([spec.encoding?.schemaName, spec.encoding?.register]).toEqual(['orders', false]);
    expect([named.encoding?.schemaName, named.encoding?.register]).toEqual(['orders-value', true]);
    expect(refusal(() => registryEncoding({ schemaName: 'no spaces' }))).toMatchObject({
      path: 'registryEncoding.schemaName',
    });
  });
});

/**
 * A FAKE Confluent-compatible registry: a small HTTP server in this test answering `POST /subjects/{subject}`
 * (lookup by schema) and `POST /subjects/{subject}/versions` (register) as Confluent's REST API documents them (no
 * Confluent-compatible registry can be installed on this machine).
 */
const fakeConfluent = async (options: { held?: number; registers?: number; status?: number } = {}) => {
  const seen: { method: string; url: string; body: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', body: JSON.parse(text || '{}') });
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        response.end(JSON.stringify(body));
      };
      if (options.status !== undefined) return reply(options.status, { message: 'unavailable' });
      if (request.url?.endsWith('/versions')) return reply(200, { id: options.registers });
      if (options.held !== undefined) return reply(200, { subject: 'x', version: 1, id: options.held });
      return reply(404, { error_code: 40403, message: 'Schema not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};
const running: Server[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A flow from a JSON topic to a topic on the fake Confluent registry, with the fake producer. */
const flowWritingConfluent = (url: string, topic: Partial<TopicOptions> = {}, register = false) =>
  flowWritingTo(confluentRegistry({ url }), topic, registryEncoding(register ? { register } : {}));

describe('a topic output on a Confluent-compatible registry topic (against a fake registry server)', () => {
  it('looks the schema up under <topic>-value and frames values with magic byte 0 and its 4-byte id', async () => {
    // Prepare
    const registry = await fakeConfluent({ held: 42 });
    const { flow, deps, sent, dead } = flowWritingConfluent(registry.url);
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 3 }, { reviewId: 'r-1', rating: 'x' }), deps);
    await runBatch(flow, values({ reviewId: 'r-2', rating: 4 }), deps);
    // Assess
    expect(registry.seen).toEqual([
      { method: 'POST', url: '/subjects/reviews-value', body: { schema: reviewV2 } },
    ]);
    expect(sent.map((m) => [...(m.value?.subarray(0, 5) ?? [])])).toEqual([
      [0, 0, 0, 0, 42],
      [0, 0, 0, 0, 42],
    ]);
    const type = avro.Type.forSchema(JSON.parse(reviewV2));
    expect(sent.map((m) => ({ ...(type.fromBuffer(m.value?.subarray(5) as Buffer) as object) }))).toEqual([
      { reviewId: 'r-0', rating: 3, channel: 'web' },
      { reviewId: 'r-2', rating: 4, channel: 'web' },
    ]);
    expect(dead.records.map((r) => r.headers[DeadLetterHeader.Reason])).toEqual(['DESERIALIZATION_ERROR']);
  });

  it('registers the schema under the subject when asked and the registry does not hold it', async () => {
    // Prepare
    const registry = await fakeConfluent({ registers: 7 });
    const { flow, deps, sent } = flowWritingConfluent(
      registry.url,
      { format: 'json-schema', schema: reviewJsonSchema },
      true,
    );
    // Act
    await runBatch(flow, values({ reviewId: 'r-0', rating: 3 }), deps);
    // Assess
    expect(registry.seen.map((r) => [r.url, r.body.schemaType])).toEqual([
      ['/subjects/reviews-value', 'JSON'],
      ['/subjects/reviews-value/versions', 'JSON'],
    ]);
    expect([...(sent[0]?.value?.subarray(0, 5) ?? [])]).toEqual([0, 0, 0, 0, 7]);
    expect(JSON.parse(sent[0]?.value?.subarray(5).toString() ?? '')).toEqual({ reviewId: 'r-0', rating: 3 });
  });

  it('fails the batch as retriable, writing and dead-lettering nothing, when the registry answers 503', async () => {
    // Prepare
    const registry = await fakeConfluent({ status: 503 });
    const { flow, deps, sent, dead } = flowWritingConfluent(registry.url);
    // Act
    const failure = await runBatch(flow, values({ reviewId: 'r-0', rating: 1 }), deps).catch(
      (e: unknown) => e,
    );
    // Assess
    expect((failure as BatchFailedError).cause).toBeInstanceOf(RetriableError);
    expect([sent, dead.records]).toEqual([[], []]);
  });
});
