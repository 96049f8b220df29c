// npm run produce and npm run tail on registry topics, run as a user runs them (SLUICE_TOPOLOGY names a test
// topology holding the reference orders schema). Glue: moto's real Glue Schema Registry. Confluent: no
// Confluent-compatible registry installs here, so a FAKE registry (a small HTTP server in this test answering
// `POST /subjects/{subject}` and `GET /schemas/ids/{id}` as Confluent's REST API does) stands in for it. The bytes
// on the topic are checked byte by byte and decoded with avsc directly, not through Sluice's codecs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersSchema } from '../../../functions/schemas/orders.ts';
import { localGlue, registerTopicSchemas } from '../../../local/runner/registry.ts';
import { readSampleRecords } from '../../../local/samples/records.ts';
import { readState } from '../../../local/services/state.ts';
import { runCli } from '../../support/cli.ts';
import { endpoints } from '../../support/endpoints.ts';
import { readTopic } from '../../support/topics.ts';

const run = randomBytes(4).toString('hex');
const schemaText = JSON.stringify(ordersSchema);
const avroType = avro.Type.forSchema(ordersSchema as unknown as avro.Schema);
const CONFLUENT_ID = 7;

/** The FAKE Confluent-compatible registry: one subject holding the orders schema under id 7. */
let fake: Server;
const fakeCalls: string[] = [];
const startFakeRegistry = async (): Promise<string> => {
  fake = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      fakeCalls.push(`${request.method} ${request.url}`);
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        response.end(JSON.stringify(value));
      };
      if (request.method === 'POST' && request.url === `/subjects/orders.confluent.${run}-value`) {
        const asked = (JSON.parse(body) as { schema: string }).schema;
        if (asked === schemaText)
          return reply(200, { subject: 'x', id: CONFLUENT_ID, version: 1, schema: asked });
        return reply(404, { error_code: 40403, message: 'Schema not found' });
      }
      if (request.method === 'GET' && request.url === `/schemas/ids/${CONFLUENT_ID}`)
        return reply(200, { schema: schemaText });
      return reply(404, { error_code: 40403, message: 'Schema not found' });
    });
  });
  fake.listen(0, '127.0.0.1');
  await new Promise((resolve) => fake.once('listening', resolve));
  return `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
};

const topics = {
  glue: `orders.glue.${run}`,
  confluent: `orders.confluent.${run}`,
  unregistered: `orders.unregistered.${run}`,
};
const env: Record<string, string> = { SLUICE_TOPOLOGY: 'test/fixtures/registry-tools/topology.ts' };
const produce = (...args: string[]) => runCli('local/tools/produce.ts', args, env);
const tail = (...args: string[]) => runCli('local/tools/tail.ts', args, env);
const tailLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { key: string; value: unknown; schema?: string });

const samples = readSampleRecords(
  join(import.meta.dirname, '..', '..', '..', 'events', 'records', 'orders.jsonl'),
);
const orders = samples.filter((r) => r.expect === undefined).slice(0, 3);
const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-tools-'));
const file = join(dir, 'orders.jsonl');
const admin = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING }).admin();
let glueVersion: string;

beforeAll(async () => {
  env.SLUICE_TEST_RUN = run;
  env.SLUICE_TEST_CONFLUENT_URL = await startFakeRegistry();
  process.env.SLUICE_TEST_RUN = run;
  const { topics: declared } = await import('../../fixtures/registry-tools/topology.ts');
  const glue = localGlue(readState());
  glueVersion = (await registerTopicSchemas([declared.glue], glue))[0]?.versionId ?? '';
  glue.destroy();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  writeFileSync(
    file,
    [...orders, { key: 'bad-text', text: 'not avro' }].map((r) => JSON.stringify(r)).join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  fake.close();
});

describe('npm run produce and tail on a Glue registry topic (moto)', () => {
  it('produce writes JSON values in Avro with Glue framing naming the registered schema version', async () => {
    // Act
    const { code, output } = await produce(topics.glue, file);
    const messages = await readTopic(topics.glue);
    // Assess
    expect(code, output).toBe(0);
    expect(output).toContain(`produced 4 records from ${file} to ${topics.glue} (avro, Glue registry`);
    const framed = messages.slice(0, 3).map((m) => m.value as Buffer);
    expect(framed.map((v) => [v[0], v[1], v.subarray(2, 18).toString('hex')])).toEqual(
      orders.map(() => [3, 0, glueVersion.replaceAll('-', '')]),
    );
    expect(framed.map((v) => ({ ...avroType.fromBuffer(v.subarray(18)) }))).toEqual(
      orders.map((o) => o.value),
    );
    expect(String(messages[3]?.value)).toBe('not avro');
  });

  it('tail prints each value decoded with the schema its framing names, and says why bytes do not decode', async () => {
    // Act
    const { code, output } = await tail(topics.glue);
    const lines = tailLines(output);
    // Assess
    expect(code, output).toBe(0);
    expect(lines.slice(0, 3).map((l) => [l.key, l.value, l.schema])).toEqual(
      orders.map((o) => [o.key, o.value, glueVersion]),
    );
    expect(lines[3]?.value).toEqual({
      undecodable: expect.stringContaining('version byte'),
      base64: Buffer.from('not avro').toString('base64'),
    });
  });
});

describe('npm run produce and tail on a Confluent-compatible registry topic (a FAKE registry server)', () => {
  it('produce frames values with magic byte 0 and the id the registry gives the declared schema', async () => {
    // Act
    const { code, output } = await produce(topics.confluent, file);
    const messages = await readTopic(topics.confluent);
    // Assess
    expect(code, output).toBe(0);
    const framed = messages.slice(0, 3).map((m) => m.value as Buffer);
    expect(framed.map((v) => [v[0], v.readUInt32BE(1)])).toEqual(orders.map(() => [0, CONFLUENT_ID]));
    expect(framed.map((v) => ({ ...avroType.fromBuffer(v.subarray(5)) }))).toEqual(
      orders.map((o) => o.value),
    );
    expect(fakeCalls).toContain(`POST /subjects/${topics.confluent}-value`);
  });

  it('tail decodes them with the schema fetched by id', async () => {
    // Act
    const { code, output } = await tail(topics.confluent, '--limit', '3');
    // Assess
    expect(code, output).toBe(0);
    expect(tailLines(output).map((l) => [l.value, l.schema])).toEqual(orders.map((o) => [o.value, '7']));
    expect(fakeCalls).toContain(`GET /schemas/ids/${CONFLUENT_ID}`);
  });
});

describe('npm run produce on a registry that does not hold the declared schema', () => {
  it('exits 1 naming the topic and saying the schema must be registered, publishing nothing', async () => {
    // Act
    const { code, output } = await produce(topics.unregistered, file);
    // Assess
    expect(code, output).toBe(1);
    expect(output).toContain(`error: ${topics.unregistered}:`);
    expect(output).toContain('does not hold the declared definition');
    expect(await readTopic(topics.unregistered)).toEqual([]);
  });
});
