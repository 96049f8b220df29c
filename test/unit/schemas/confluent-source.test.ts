import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RetriableError, SluiceError } from '../../../shared/errors.ts';
import { confluentRegistry } from '../../../shared/schemas/registry.ts';
import { confluentSource } from '../../../shared/schemas/sources.ts';
import { reviewProto, reviewV1 } from './fixtures.ts';

/**
 * A FAKE Confluent-compatible registry: a small HTTP server in this test answering `GET /schemas/ids/{id}` as
 * Confluent's REST API documents it (no Confluent-compatible registry can be installed on this machine).
 */
const fakeRegistry = async (
  answer: (request: IncomingMessage) => { status: number; body?: unknown },
): Promise<{ server: Server; url: string; seen: IncomingMessage[] }> => {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    const { status, body } = answer(request);
    response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};

let running: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => running?.close(resolve));
  running = undefined;
});

describe('the Confluent-compatible registry source (against a fake registry server)', () => {
  it('fetches a writer schema by id, Avro when schemaType is absent, Protobuf when it says so, with basic auth', async () => {
    // Prepare
    const fake = await fakeRegistry((request) =>
      request.url === '/schemas/ids/1'
        ? { status: 200, body: { schema: reviewV1 } }
        : { status: 200, body: { schema: reviewProto, schemaType: 'PROTOBUF' } },
    );
    running = fake.server;
    const source = confluentSource(
      confluentRegistry({ url: fake.url, auth: { username: 'u', password: 'p' } }),
    );
    // Act
    const avro = await source.fetch('1');
    const proto = await source.fetch('2');
    // Assess
    expect(avro).toEqual({ format: 'avro', definition: reviewV1 });
    expect(proto?.format).toBe('protobuf');
    expect(fake.seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('reads the credentials from a Secrets Manager secret once', async () => {
    // Prepare
    const fake = await fakeRegistry(() => ({ status: 200, body: { schema: reviewV1 } }));
    running = fake.server;
    let reads = 0;
    const source = confluentSource(
      confluentRegistry({ url: fake.url, auth: { secret: 'registry-credentials' } }),
      {
        secret: async () => {
          reads++;
          return '{"username":"svc","password":"s3cret"}';
        },
      },
    );
    // Act
    await source.fetch('1');
    await source.fetch('2');
    // Assess
    expect(reads).toBe(1);
    expect(fake.seen[1]?.headers.authorization).toBe(`Basic ${Buffer.from('svc:s3cret').toString('base64')}`);
  });

  it('answers undefined for an id the registry does not hold (404, error code 40403)', async () => {
    // Prepare
    const fake = await fakeRegistry(() => ({
      status: 404,
      body: { error_code: 40403, message: 'Schema not found' },
    }));
    running = fake.server;
    // Act
    const answer = await confluentSource(confluentRegistry({ url: fake.url })).fetch('99');
    // Assess
    expect(answer).toBeUndefined();
  });

  it('throws a retriable error for throttling, 5xx and an unreachable registry, a non-retriable one for 401', async () => {
    // Prepare
    let status = 429;
    const fake = await fakeRegistry(() => ({ status, body: { message: 'no' } }));
    running = fake.server;
    const source = confluentSource(confluentRegistry({ url: fake.url }));
    const unreachable = confluentSource(confluentRegistry({ url: 'http://127.0.0.1:1' }));
    // Act
    const throttled = await source.fetch('1').catch((e: unknown) => e);
    status = 503;
    const unavailable = await source.fetch('1').catch((e: unknown) => e);
    status = 401;
    const refused = await source.fetch('1').catch((e: unknown) => e);
    const down = await unreachable.fetch('1').catch((e: unknown) => e);
    // Assess
    expect([throttled, unavailable, down].map((e) => e instanceof RetriableError)).toEqual([
      true,
      true,
      true,
    ]);
    expect(refused).toBeInstanceOf(SluiceError);
    expect((refused as SluiceError).retriable).toBe(false);
  });
});
