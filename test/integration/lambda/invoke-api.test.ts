import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../../local/bundle.ts';
import { buildEvent } from '../../../local/esm/event.ts';
import { createInvokeServer } from '../../../local/lambda/invoke-server.ts';
import { FunctionPool } from '../../../local/lambda/pool.ts';
import { lambdaNode } from '../../../local/lambda/runtime.ts';

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
