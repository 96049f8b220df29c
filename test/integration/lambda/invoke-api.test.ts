import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../../local/bundle.ts';
import { buildEvent } from '../../../local/esm/event.ts';
import { localKafka } from '../../../local/kafka-client.ts';
import { createInvokeServer, invokeRequestLimits } from '../../../local/lambda/invoke-server.ts';
import { FunctionPool } from '../../../local/lambda/pool.ts';
import { lambdaNode } from '../../../local/lambda/runtime.ts';
import { functionEnvironment } from '../../../local/runner/environment.ts';
import { readState } from '../../../local/services/state.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-invoke-'));
const recorderFile = join(dir, 'invocations.jsonl');
let server: Server;
let pool: FunctionPool;
let lambda: LambdaClient;

beforeAll(async () => {
  const bundle = await bundleFunction('recorder', 'test/fixtures/functions/recorder.ts');
  pool = new FunctionPool({
    name: 'recorder',
    bundlePath: bundle.path,
    memoryMb: 256,
    timeoutMs: 5_000,
    environment: { RECORDER_FILE: recorderFile },
    concurrency: 1,
    logFile: join(dir, 'function.log'),
  });
  server = createInvokeServer(new Map([['recorder', pool]]));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  lambda = new LambdaClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  lambda.destroy();
  server.close();
  await pool.close();
});

const event = (values: unknown[]) =>
  buildEvent(
    { bootstrapServers: '127.0.0.1:9092' },
    values.map((v, offset) => ({
      topic: 'reviews.raw',
      partition: 0,
      offset,
      timestamp: 1_700_000_000_000,
      key: null,
      value: Buffer.from(JSON.stringify(v)),
      headers: [],
      payloadBytes: 0,
    })),
  );

describe('the local Lambda Invoke API, through the AWS SDK LambdaClient', () => {
  it('invokes a local function by name and returns its result and log tail', async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'recorder',
        Payload: Buffer.from(JSON.stringify(event([{ a: 1 }, { a: 2 }]))),
        LogType: 'Tail',
      }),
    );

    // Assess
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8'))).toMatchObject({ received: 2 });
    expect(Buffer.from(response.LogResult!, 'base64').toString('utf8')).toMatch(
      /REPORT RequestId: .*Duration/,
    );
    expect(readFileSync(recorderFile, 'utf8')).toContain('"offsets":[0,1]');
  });

  it('reports a function error as Unhandled with the error type and message, as Lambda does', async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'recorder',
        Payload: Buffer.from(JSON.stringify(event([{ fail: true }]))),
      }),
    );

    // Assess
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8'))).toMatchObject({
      errorType: 'Error',
      errorMessage: 'poison record',
    });
  });

  it('fails an invocation whose response passes 6 MB with Function.ResponseSizeTooLarge, as Lambda does', async () => {
    // Act
    const invoke = (respondBytes: number) =>
      lambda.send(
        new InvokeCommand({
          FunctionName: 'recorder',
          Payload: Buffer.from(JSON.stringify(event([{ respondBytes }]))),
        }),
      );
    const over = await invoke(6_300_000);
    const under = await invoke(6_000_000);
    // Assess
    expect(over.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(over.Payload!).toString('utf8'))).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
    expect(under.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(under.Payload!).toString('utf8')).padding).toHaveLength(6_000_000);
  });

  it('accepts a function ARN as well as a name', async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:recorder',
        Payload: Buffer.from(JSON.stringify(event([]))),
      }),
    );

    // Assess
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8'))).toMatchObject({ received: 0 });
  });

  it('runs the function on Node.js 24, the runtime the CDK app deploys', async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: 'recorder', Payload: Buffer.from(JSON.stringify(event([]))) }),
    );

    // Assess
    expect(lambdaNode().faithful).toBe(true);
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8')).node).toMatch(/^24\./);
  });

  it("starts node with the heap limits the Lambda runtime sets for the function's memory size", async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: 'recorder', Payload: Buffer.from(JSON.stringify(event([]))) }),
    );

    // Assess: 256 MB → a tenth as new space (12 MB per semi-space), the rest as old space.
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8')).execArgv).toEqual(
      expect.arrayContaining(['--expose-gc', '--max-semi-space-size=12', '--max-old-space-size=231']),
    );
  });

  it('answers ResourceNotFoundException for a function that does not exist', async () => {
    // Act
    const invoking = lambda.send(
      new InvokeCommand({ FunctionName: 'no-such-flow', Payload: Buffer.from('{}') }),
    );

    // Assess
    await expect(invoking).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

/** A JSON payload of exactly `bytes` bytes: one string. */
const payloadOf = (bytes: number) => Buffer.from(JSON.stringify('x'.repeat(bytes - 2)));

describe('the local Invoke API holds requests to AWS’s payload limits', () => {
  it('refuses a 7.7 MB RequestResponse payload with RequestEntityTooLargeException, as AWS does above 6 MB', async () => {
    // Act
    const invoking = lambda.send(
      new InvokeCommand({ FunctionName: 'recorder', Payload: payloadOf(7_700_000) }),
    );

    // Assess
    await expect(invoking).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
  });

  it('accepts a RequestResponse payload of exactly 6,291,456 bytes', async () => {
    // Act
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'recorder',
        Payload: payloadOf(invokeRequestLimits.RequestResponse),
      }),
    );

    // Assess: the recorder received the string (no records) and answered.
    expect(response.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(response.Payload!).toString('utf8'))).toMatchObject({ received: 0 });
  });

  it('refuses an Event invocation over 1 MB (AWS’s asynchronous limit) and queues one at the limit', async () => {
    // Act
    const over = await lambda
      .send(
        new InvokeCommand({
          FunctionName: 'recorder',
          InvocationType: 'Event',
          Payload: payloadOf(invokeRequestLimits.Event + 1),
        }),
      )
      .catch((error: unknown) => error);
    const at = await lambda.send(
      new InvokeCommand({
        FunctionName: 'recorder',
        InvocationType: 'Event',
        Payload: payloadOf(invokeRequestLimits.Event),
      }),
    );

    // Assess
    expect(over).toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
    });
    expect(at.StatusCode).toBe(202);
  });

  it('stops reading a body sent without a length once it passes the limit', async () => {
    // Prepare: chunked, no content-length, and no end: the server cannot refuse before reading.
    const { port } = server.address() as AddressInfo;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/2015-03-31/functions/recorder/invocations',
    });
    request.on('error', () => undefined); // the server closes the connection after answering
    let sent = 0;
    let answered = false;

    // Act: write 1 MiB chunks until an answer comes (at most 64 MiB).
    const answer = once(request, 'response') as Promise<[IncomingMessage]>;
    void answer.then(() => {
      answered = true;
    });
    while (!answered && sent < 64 * chunk.length && !request.destroyed) {
      sent += chunk.length;
      if (!request.write(chunk)) await Promise.race([once(request, 'drain'), answer]);
    }
    const [response] = await answer;

    // Assess
    expect(response.statusCode).toBe(413);
    expect(response.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(sent).toBeLessThan(64 * chunk.length);
    request.destroy();
  });
});

describe('cold starts of a real flow bundle, as Powertools Logger reports them', () => {
  let flowPool: FunctionPool;
  const batchLines = (logs: string) =>
    logs
      .split('\n')
      .filter((l) => l.includes('"message":"batch"'))
      .map((l) => JSON.parse(l) as { cold_start?: boolean });
  const emptyBatch = (offset: number) =>
    buildEvent({ bootstrapServers: '127.0.0.1:9092' }, [
      {
        topic: 'reviews.raw',
        partition: 0,
        offset,
        timestamp: 1_700_000_000_000,
        key: null,
        value: Buffer.from('not json'),
        headers: [],
        payloadBytes: 0,
      },
    ]);

  beforeAll(async () => {
    // The batch dead-letters its one record: its topic must exist, whatever ran before on this broker.
    const admin = localKafka('cold-start-test').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'reviews.dlq', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const bundle = await bundleFunction('cold-start-cleanse-reviews', 'functions/cleanse-reviews.ts');
    flowPool = new FunctionPool({
      name: 'cleanse-reviews',
      bundlePath: bundle.path,
      memoryMb: 256,
      timeoutMs: 20_000,
      environment: functionEnvironment('cleanse-reviews', 256, readState()),
      concurrency: 2,
      logFile: join(dir, 'cleanse-reviews.log'),
    });
  }, 120_000);
  afterAll(async () => {
    await flowPool.close();
  });

  it('reports cold_start: true on the first invocation of each execution environment, and only there', async () => {
    // Act: two at once (two environments), then two more (both warm).
    const first = await Promise.all([flowPool.invoke(emptyBatch(0)), flowPool.invoke(emptyBatch(1))]);
    const later = await Promise.all([flowPool.invoke(emptyBatch(2)), flowPool.invoke(emptyBatch(3))]);

    // Assess
    const coldStarts = (results: typeof first) =>
      results.flatMap((r) => batchLines(r.logs)).map((line) => line.cold_start);
    expect(coldStarts(first)).toEqual([true, true]);
    expect(coldStarts(later)).toEqual([false, false]);
  }, 60_000);
});
