/**
 * The http output in the outputs benchmark (`npm run bench -- outputs`): batched NDJSON against one JSON request
 * per record, both through the real writer (idempotency keys, retries armed) to a local HTTP server started here
 * on loopback, in the same run. The server reads every body and answers 200; it counts requests and records.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpWriter } from '../shared/outputs/http-writer.ts';
import type { FlowRecord } from '../shared/record.ts';
import { reviewRecords } from './records.ts';

export interface HttpBenchDeps {
  /** Times `count` records through `work`, reading `requests` before and after (outputs.ts's `measure`). */
  readonly measure: (
    count: number,
    requests: () => number,
    work: () => Promise<void>,
  ) => Promise<{ recordsPerSec: number; requestsPer1000: number }>;
  readonly writeBatches: (
    output: ReturnType<typeof createHttpWriter>,
    all: readonly FlowRecord[],
    size: number,
  ) => Promise<void>;
}

/** Batched (100 records a request, the default) and per-record figures, same server, same records. */
export const benchHttp = async (n: number, size: number, naiveN: number, deps: HttpBenchDeps) => {
  let requests = 0;
  let lines = 0;
  const server = createServer((req, res) => {
    requests += 1;
    req.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
    });
    req.on('end', () => {
      if (req.headers['content-type'] === 'application/json') lines += 1;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/reviews`);
  const common = {
    url,
    method: 'POST',
    headers: {},
    timeoutMs: 10_000,
    ordered: true,
    retry: { baseMs: 100, maxDelayMs: 5_000, budgetMs: 30_000 },
  } as const;
  const batchedOutput = createHttpWriter({
    ...common,
    name: 'http',
    concurrency: 4,
    batch: { maxRecords: 100, maxBytes: 1 << 20 },
  });
  const perRecord = createHttpWriter({ ...common, name: 'http-naive', concurrency: 1 });
  try {
    await deps.writeBatches(batchedOutput, reviewRecords(10), 10); // connection warm-up, outside the timing
    const batched = await deps.measure(
      n,
      () => requests,
      () => deps.writeBatches(batchedOutput, reviewRecords(n), size),
    );
    await deps.writeBatches(perRecord, reviewRecords(10), 10);
    const naive = await deps.measure(
      naiveN,
      () => requests,
      () => deps.writeBatches(perRecord, reviewRecords(naiveN), size),
    );
    if (lines !== n + naiveN + 20)
      throw new Error(`http bench: the server received ${lines} records, expected ${n + naiveN + 20}`);
    return { batched, naive };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};
