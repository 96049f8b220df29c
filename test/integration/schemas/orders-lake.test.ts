// The reference flow orders-lake on the real servers: the sample orders encoded in Avro with Glue framing against
// moto's Glue Schema Registry (the schema registered as `npm start` registers it), decoded by the flow's own Glue
// source and written by its real lake output to moto's S3 as Parquet, then read back with hyparquet (an
// independent reader) and compared field for field with the samples. Only the dead-letter topic is a memory
// capture (a fake standing in for the orders.dlq producer), so the reasons can be read.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../../functions/resources.ts';
import { orderExpectationsFor, ordersInLake } from '../../../local/runner/expectations.ts';
import { localGlue, registerTopicSchemas, topicEncoder } from '../../../local/runner/registry.ts';
import { lakeKeys, readLakeRows } from '../../../local/runner/verify.ts';
import { toMessage } from '../../../local/samples/records.ts';
import { readState } from '../../../local/services/state.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { endpoints, localAws } from '../../support/endpoints.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { MemoryOutput } from '../../unit/runtime/memory-output.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
process.env.SLUICE_GLUE_ENDPOINT = endpoints().s3.endpoint;
const { flow } = await import('../../../functions/orders-lake.ts');
const { readSampleRecords } = await import('../../../local/samples/records.ts');
const { sampleFiles } = await import('../../../local/runner/expectations.ts');

const state = readState();
const glue = localGlue(state);
const samples = readSampleRecords(sampleFiles.orders);
const expected = orderExpectationsFor(samples);
const deadLetters = new MemoryOutput('orders.dlq (memory capture)');
const deps = {
  outputFor: (spec: OutputSpec) => (spec.kind === 'topic' ? deadLetters : spec.create()),
  ports: {},
  now: () => Date.now(),
};

/**
 * The samples as the mapping hands them to the function: values in Glue framing, over three partitions, at offsets
 * no earlier run used (lake objects and replay marks outlive a run while the servers do).
 */
const eventOf = async () => {
  const encode = await topicEncoder(topics.orders, glue);
  const firstOffset = Date.now();
  return kafkaEvent(
    samples.map((record, i) => {
      const value = toMessage(record, encode).value as Buffer | string;
      return {
        topic: 'orders',
        partition: i % 3,
        offset: firstOffset + Math.floor(i / 3),
        key: record.key,
        rawValue: Buffer.from(value).toString('base64'),
        ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
      };
    }),
  );
};

let before: Set<string>;
beforeAll(async () => {
  const s3 = new S3Client({ ...localAws(endpoints().s3.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'sluice-lake' })).catch(() => undefined);
  s3.destroy();
  before = await lakeKeys(state, 'sluice-lake', 'orders/');
});
afterAll(() => glue.destroy());

describe('orders-lake on moto (Glue Schema Registry and S3)', () => {
  it('registers the orders schema once: a second registration reuses the version', async () => {
    // Act
    const first = await registerTopicSchemas([topics.orders], glue);
    const second = await registerTopicSchemas([topics.orders], glue);
    // Assess
    expect(second).toEqual([{ ...first[0], created: false }]);
    expect(first[0]?.schemaName).toBe('orders');
  });

  it('writes every sample order to the lake as Parquet rows equal to the sample, once, partitioned by order time', async () => {
    // Prepare
    await registerTopicSchemas([topics.orders], glue);
    const event = await eventOf();
    // Act
    await runBatch(flow, event, deps);
    const lake = await readLakeRows(state, 'sluice-lake', 'orders/', before);
    // Assess
    expect(ordersInLake(lake.rows, expected)).toEqual({
      equal: expected.byId.size,
      rows: expected.byId.size,
    });
    expect(lake.rows).toHaveLength(expected.byId.size);
    const o = expected.byId.get('o-00000') as { orderTime: number };
    const hour = new Date(o.orderTime).toISOString().slice(0, 13).replace('T', '/hour=');
    expect(lake.keys.filter((key) => key.includes(`/dt=${hour}/`))).not.toEqual([]);
    expect(
      lake.keys.every((key) => key.startsWith('orders/topic=orders/dt=') && key.endsWith('.parquet')),
    ).toBe(true);
  });

  it('dead-letters the bad sample orders with the reasons AWS names, at decode', async () => {
    // Prepare
    deadLetters.batches.length = 0;
    const event = await eventOf();
    // Act
    await runBatch(flow, event, deps);
    // Assess
    const reasons = Object.fromEntries(
      deadLetters.records.map((r) => [
        r.key,
        [r.headers[DeadLetterHeader.Stage], r.headers[DeadLetterHeader.Reason]],
      ]),
    );
    expect(reasons).toEqual({
      'bad-not-framed': ['decode', 'DESERIALIZATION_ERROR'],
      'bad-unknown-schema': ['decode', 'SCHEMA_NOT_FOUND'],
    });
    expect(deadLetters.records).toHaveLength(expected.deadLetters);
  });
});
