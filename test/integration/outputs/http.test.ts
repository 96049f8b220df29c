import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { readSecret } from '../../../shared/clients/secrets.ts';
import { RecordRejectedError, RetriableError, Stage } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import { toHttp } from '../../../shared/outputs/http.ts';
import { httpCredentials } from '../../../shared/outputs/http-auth.ts';
import { createHttpWriter, type HttpWriterDeps } from '../../../shared/outputs/http-writer.ts';
import type { Output } from '../../../shared/outputs/output.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { type Answer, bodiesOf, httpEndpoint, type Received } from '../../support/http-endpoint.ts';
import { flowRecord, offsets } from '../../unit/outputs/records.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';
import { deliver } from './support.ts';

type Endpoint = Awaited<ReturnType<typeof httpEndpoint>>;
let open: Endpoint[] = [];
const endpoint = async (answer?: (request: Received, index: number) => Answer) => {
  const server = await httpEndpoint(answer);
  open.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(open.map((server) => server.close()));
  open = [];
});

const context = { flowName: 'reviews-to-crm', deadlineMs: 60_000 };

/** The writer as `toHttp` builds it, with quick retries (100 ms base) unless told otherwise. */
const writer = (url: string, options: Partial<HttpWriterDeps> = {}): Output =>
  createHttpWriter({
    name: 'http:crm',
    url: new URL(`${url}/v1/reviews`),
    method: 'POST',
    headers: {},
    timeoutMs: 5_000,
    concurrency: 4,
    ordered: true,
    retry: { baseMs: 50, maxDelayMs: 500, budgetMs: 10_000 },
    ...options,
  });

/** Records over three partitions, interleaved as a batch holds them. */
const batch = (count: number, value: (i: number) => unknown = (i) => ({ reviewId: `r${i}` })) =>
  Array.from({ length: count }, (_, i) =>
    flowRecord({ partition: i % 3, offset: 100 + Math.floor(i / 3), value: value(i) }),
  );

const reviewIds = (requests: readonly Received[]) =>
  requests.flatMap((r) => bodiesOf(r).map((b) => (b as { reviewId: string }).reviewId));

describe('the HTTP output', () => {
  it('sends one JSON request per record, each with an idempotency key that a replay repeats', async () => {
    // Prepare
    const server = await endpoint();
    const records = batch(6);

    // Act: the batch, then the same batch again (the mapping replaying it).
    await writer(server.url).write(records, context);
    await writer(server.url).write(records, context);

    // Assess: 12 requests, JSON bodies, 6 distinct keys, each seen twice with the same record.
    expect(server.received).toHaveLength(12);
    expect(server.received.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    const byKey = new Map<string, Set<string>>();
    for (const request of server.received) {
      const key = String(request.headers['idempotency-key']);
      byKey.set(key, (byKey.get(key) ?? new Set()).add(request.body));
    }
    expect(byKey.size).toBe(6);
    expect([...byKey.values()].every((bodies) => bodies.size === 1)).toBe(true);
  });

  it('batches records as NDJSON, keeping each partition in source order, and lists the records’ keys', async () => {
    // Prepare
    const server = await endpoint();
    const records = batch(250);
    const output = writer(server.url, { batch: { maxRecords: 40, maxBytes: 1024 * 1024 } });

    // Act
    const result = await output.write(records, context);

    // Assess: 3 partitions of 84, 83, 83 records → 3 + 3 + 3 requests of ≤ 40 lines.
    expect(result).toEqual({ written: 250, deadLetters: [] });
    expect(server.received).toHaveLength(9);
    for (const request of server.received) {
      expect(request.headers['content-type']).toBe('application/x-ndjson');
      const keys = String(request.headers['sluice-idempotency-keys']).split(',');
      expect(keys).toHaveLength(bodiesOf(request).length);
      expect(bodiesOf(request).length).toBeLessThanOrEqual(40);
    }
    // Every record once; within a partition in offset order.
    const received = reviewIds(server.received);
    expect(new Set(received).size).toBe(250);
    for (const partition of [0, 1, 2]) {
      const mine = received.filter((id) => Number(id.slice(1)) % 3 === partition);
      expect(mine).toEqual([...mine].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    }
    // A batch's key is the same when the same records are sent again (partitions' requests interleave in any
    // order, so compared as sets).
    const keysBefore = server.received.map((r) => String(r.headers['idempotency-key'])).sort();
    await output.write(records, context);
    expect(
      server.received
        .slice(9)
        .map((r) => String(r.headers['idempotency-key']))
        .sort(),
    ).toEqual(keysBefore);
  });

  it('dead-letters the records an endpoint refuses with 400, with the status and an excerpt, and delivers the rest', async () => {
    // Prepare: the endpoint refuses any request that holds a review marked bad, with a long error page.
    const server = await endpoint((request) =>
      bodiesOf(request).some((b) => (b as { bad?: boolean }).bad)
        ? { status: 400, body: `{"error":"rating missing"}${' '.repeat(10_000)}` }
        : { status: 201 },
    );
    const records = batch(30, (i) => ({ reviewId: `r${i}`, ...(i === 7 || i === 20 ? { bad: true } : {}) }));

    // Act: batched, so the writer has to find the two among 30.
    const result = await writer(server.url, { batch: { maxRecords: 100, maxBytes: 1024 * 1024 } }).write(
      records,
      context,
    );

    // Assess
    expect(result.written).toBe(28);
    expect(result.deadLetters.map((d) => (d.record.value as { reviewId: string }).reviewId).sort()).toEqual([
      'r20',
      'r7',
    ]);
    for (const dead of result.deadLetters) {
      expect(dead.stage).toBe(Stage.Output);
      expect(dead.component).toBe('http:crm');
      expect(dead.error).toBeInstanceOf(RecordRejectedError);
      expect(dead.error.message).toMatch(
        /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/reviews answered 400: \{"error":"rating missing"\}/,
      );
      expect(dead.error.message.length).toBeLessThan(700);
    }
    const delivered = reviewIds(
      server.received.filter((r) => bodiesOf(r).every((b) => !(b as { bad?: boolean }).bad)),
    );
    expect(new Set(delivered).size).toBe(28);
  });

  it('waits as long as a 429’s Retry-After asks, in seconds or as an HTTP date', async () => {
    // Prepare: the first request of each form is throttled.
    const server = await endpoint((_, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : index === 2
          ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } }
          : { status: 200 },
    );

    // Act: one record, then another.
    const once = await writer(server.url).write([flowRecord({ offset: 1 })], context);
    const again = await writer(server.url).write([flowRecord({ offset: 2 })], context);

    // Assess: the same request came again no sooner than asked (an HTTP date has whole seconds: ≥ 1 s).
    const [first, second, third, fourth] = server.received;
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(fourth?.headers['idempotency-key']).toBe(third?.headers['idempotency-key']);
    expect((fourth?.at ?? 0) - (third?.at ?? 0)).toBeGreaterThanOrEqual(990);
    // Each write counts the one throttled answer for the output's throttling alarm.
    expect([once, again]).toEqual([
      { written: 1, deadLetters: [], throttled: 1 },
      { written: 1, deadLetters: [], throttled: 1 },
    ]);
  });

  it('fails the batch at once, retriably, when Retry-After asks for more time than the invocation has', async () => {
    const server = await endpoint(() => ({ status: 503, headers: { 'retry-after': '120' } }));

    const write = writer(server.url).write([flowRecord({ offset: 1 })], { ...context, deadlineMs: 20_000 });

    await expect(write).rejects.toThrow(RetriableError);
    await expect(write).rejects.toThrow(/answered 503.*next wait 120000 ms exceeds the retry budget/);
    expect(server.received).toHaveLength(1);
  });

  it('delivers every record once per idempotency key when the endpoint 500s for a while, then recovers', async () => {
    // Prepare: for its first 2 s the endpoint stores what it receives but still answers 500 (the worst case:
    // it kept the records), later it answers 200. Stores by idempotency key, as an idempotent API does.
    const stored = new Map<string, unknown>();
    let recoversAt = 0;
    const server = await endpoint((request) => {
      const keys = String(request.headers['sluice-idempotency-keys']).split(',');
      bodiesOf(request).forEach((body, i) => {
        const key = keys[i] ?? '';
        if (!stored.has(key)) stored.set(key, body);
      });
      return Date.now() < recoversAt ? { status: 500, body: 'upstream down' } : { status: 200 };
    });
    const batches = [
      batch(90),
      batch(90).map((r) => ({ ...r, source: { ...r.source, offset: r.source.offset + 1000 } })),
    ].map((records) =>
      records.map((r) => ({ ...r, value: { reviewId: `${r.source.partition}/${r.source.offset}` } })),
    );
    // Short retry budget: the writer gives up, the mapping retries the batch (as Lambda does).
    const output = writer(server.url, {
      batch: { maxRecords: 25, maxBytes: 1024 * 1024 },
      retry: { baseMs: 50, maxDelayMs: 200, budgetMs: 500 },
    });
    recoversAt = Date.now() + 2_000;

    // Act
    const delivery = await deliver(batches, (records) => output.write(records, context), {
      retryEveryMs: 200,
    });

    // Assess: the batch failed (retriably) before the endpoint recovered, then went through.
    expect(delivery.failures.length).toBeGreaterThan(0);
    expect(delivery.failures.every((f) => f instanceof RetriableError)).toBe(true);
    // Every record is stored once, under its own key; the endpoint saw copies (same keys) and kept one each.
    const all = batches.flat();
    expect(stored.size).toBe(all.length);
    expect(new Set([...stored.values()].map((b) => (b as { reviewId: string }).reviewId)).size).toBe(
      all.length,
    );
    const sent = server.received.reduce((n, r) => n + bodiesOf(r).length, 0);
    expect(sent).toBeGreaterThan(all.length);
  });

  it('fails retriably on a timeout, within the invocation’s time, dead-lettering nothing; the records go when it answers', async () => {
    // Prepare: an endpoint that hangs until told to answer.
    let answering = false;
    const server = await endpoint(() => (answering ? { status: 200 } : { hang: true, status: 0 }));
    const records = batch(9);
    // A 10 s request timeout, but the invocation has only 2 s left.
    const output = writer(server.url, {
      timeoutMs: 10_000,
      retry: { baseMs: 50, maxDelayMs: 200, budgetMs: 30_000 },
    });

    // Act
    const started = Date.now();
    const failed = await output
      .write(records, { ...context, deadlineMs: 2_000 })
      .catch((error: unknown) => error);
    const took = Date.now() - started;
    answering = true;
    const retried = await output.write(records, context);

    // Assess: retriable, ended before the deadline; then all 9 records delivered.
    expect(failed).toBeInstanceOf(RetriableError);
    expect(String((failed as Error).message)).toMatch(/timed out after \d+ ms/);
    expect(took).toBeLessThan(2_000);
    expect(retried).toEqual({ written: 9, deadLetters: [] });
  });

  it('keeps at most `concurrency` requests in flight, over all partitions', async () => {
    // Prepare: each answer takes 50 ms; 6 partitions, 5 records each, one request per record.
    const server = await endpoint(() => ({ status: 200, delayMs: 50 }));
    const records = Array.from({ length: 30 }, (_, i) => flowRecord({ partition: i % 6, offset: i }));
    const spec = toHttp({ url: `${server.url}/v1/reviews`, concurrency: 2, name: 'http:crm' });

    // Act
    const result = await spec.create().write(records, context);

    // Assess
    expect(result.written).toBe(30);
    expect(server.maxInFlight()).toBe(2);
  });

  it('slows down to its rate limit instead of failing, over all partitions of the environment', async () => {
    // Prepare: 20 records a second with a burst of 5; 25 records over 3 partitions, one request each.
    const server = await endpoint();
    const spec = toHttp({
      url: `${server.url}/v1/reviews`,
      rateLimit: { perSecond: 20, burst: 5 },
      concurrency: 8,
    });

    // Act
    const result = await spec.create().write(batch(25), context);

    // Assess: all delivered; the 20 beyond the burst took at least a second to be let through.
    expect(result).toEqual({ written: 25, deadLetters: [] });
    const times = server.received.map((r) => r.at).sort((a, b) => a - b);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('follows a 307 on the same origin, and refuses to follow a redirect to another host (retriable)', async () => {
    // Prepare: another host (a second server) that must never be reached.
    const elsewhere = await endpoint();
    const server = await endpoint((request) =>
      request.path === '/v1/reviews'
        ? { status: 307, headers: { location: '/v2/reviews' } }
        : request.path === '/v2/reviews'
          ? { status: 302, headers: { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/steal` } }
          : { status: 200 },
    );

    // Act
    const write = writer(server.url).write([flowRecord({ offset: 1 })], context);

    // Assess
    await expect(write).rejects.toThrow(
      /answered 302 to http:\/\/localhost:\d+: redirects to another origin are not followed/,
    );
    expect(server.received.map((r) => r.path)).toEqual(['/v1/reviews', '/v2/reviews']);
    expect(server.received[1]?.body).toBe(server.received[0]?.body);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('authenticates with a bearer token from Secrets Manager, and reads it again after the endpoint refuses it', async () => {
    // Prepare: the token in moto's Secrets Manager; the endpoint accepts only the rotated one.
    const secrets = new SecretsManagerClient(localAws(endpoints().s3.endpoint));
    const name = uniqueName('crm-token');
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'old-token' }));
    const secretArn = String(ARN);
    const server = await endpoint((request) =>
      request.headers.authorization === 'Bearer new-token'
        ? { status: 200 }
        : { status: 401, body: 'bad token' },
    );
    const output = writer(server.url, {
      credentials: httpCredentials({ type: 'bearer', secretArn }, (arn) => readSecret(arn, secrets)),
    });

    // Act: a write with the old token, the secret rotated, the batch retried.
    const refused = await output.write([flowRecord({ offset: 1 })], context).catch((error: unknown) => error);
    await secrets.send(
      new PutSecretValueCommand({ SecretId: secretArn, SecretString: '{"token":"new-token"}' }),
    );
    const retried = await output.write([flowRecord({ offset: 1 })], context);

    // Assess: refused credentials fail the batch (retriable, nothing dead-lettered), never echo the token.
    expect(refused).toBeInstanceOf(RetriableError);
    expect(String((refused as Error).message)).toMatch(/answered 401: bad token/);
    expect(String((refused as Error).message)).not.toMatch(/old-token/);
    expect(retried).toEqual({ written: 1, deadLetters: [] });
    expect(server.received.map((r) => r.headers.authorization)).toEqual([
      'Bearer old-token',
      'Bearer new-token',
    ]);
  });

  it('gives batched records the same keys as single requests, so switching modes keeps replays deduplicated', async () => {
    const server = await endpoint();
    const records = offsets(0, 5);

    await writer(server.url).write(records, context);
    await writer(server.url, { batch: { maxRecords: 10, maxBytes: 1024 * 1024 } }).write(records, context);

    const single = server.received.slice(0, 5).map((r) => r.headers['idempotency-key']);
    expect(String(server.received[5]?.headers['sluice-idempotency-keys']).split(',')).toEqual(single);
  });
});

const topics = defineTopics({
  clean: { name: 'reviews.clean', format: 'json', partitions: 2 },
  dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});

/** A flow sending to the endpoint; its dead-letter topic is faked in memory (the endpoint is the subject). */
const crmFlow = (url: string, options: { timeoutMs?: number } = {}) => {
  const deadLetters = memoryTopic(topics.dead);
  const flow = defineFlow({
    name: 'reviews-to-crm',
    source: { topic: topics.clean },
    outputs: [toHttp({ url: `${url}/v1/reviews`, name: 'http:crm', retryBudgetMs: 300, ...options })],
    deadLetter: deadLetters,
  });
  return { flow, deadLetters };
};

const threeReviews = kafkaEvent([
  { topic: 'reviews.clean', partition: 0, offset: 1, value: { reviewId: 'r1' } },
  { topic: 'reviews.clean', partition: 0, offset: 2, value: { reviewId: 'r2', bad: true } },
  { topic: 'reviews.clean', partition: 1, offset: 5, value: { reviewId: 'r3' } },
]);

describe('a flow with an HTTP output', () => {
  it('dead-letters a record the endpoint answers 400, with stage, class and status; the others are delivered', async () => {
    // Prepare
    const server = await endpoint((request) =>
      request.body.includes('"bad"') ? { status: 400, body: 'rating missing' } : { status: 204 },
    );
    const { flow, deadLetters } = crmFlow(server.url);

    // Act
    await runBatch(flow, threeReviews, {
      outputFor: (spec) => spec.create(),
      ports: {},
      now: Date.now,
      remainingMs: () => 30_000,
    });

    // Assess
    const [dead, ...others] = deadLetters.output.records;
    expect(others).toHaveLength(0);
    expect(dead?.headers).toMatchObject({
      'sluice.dlq.stage': 'output',
      'sluice.dlq.component': 'http:crm',
      'sluice.dlq.error-class': 'RecordRejectedError',
      'sluice.dlq.source-offset': '2',
    });
    expect(dead?.headers['sluice.dlq.error-message']).toMatch(/answered 400: rating missing$/);
    expect(server.received.filter((r) => r.body.includes('"r1"') || r.body.includes('"r3"'))).toHaveLength(2);
  });

  it('fails the batch when the endpoint times out, dead-lettering nothing: the records stay for the retry', async () => {
    const server = await endpoint(() => ({ status: 0, hang: true }));
    const { flow, deadLetters } = crmFlow(server.url, { timeoutMs: 200 });

    const run = runBatch(flow, threeReviews, {
      outputFor: (spec) => spec.create(),
      ports: {},
      now: Date.now,
      remainingMs: () => 30_000,
    });

    await expect(run).rejects.toBeInstanceOf(BatchFailedError);
    const error = (await run.catch((e: unknown) => e)) as BatchFailedError;
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/http:crm: .* timed out after 200 ms/);
    expect(deadLetters.output.records).toHaveLength(0);
  });
});
