/**
 * In-process measurements for the cost report, on the sample events: each flow's real handler (real Powertools
 * Logger and Metrics, stdout captured) for log bytes and EMF metrics per batch; DynamoDB request units counted on
 * clients talking to an in-process dynalite (a real DynamoDB API server); record sizes; in-process CPU per record.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { readSampleRecords } from '../../local/samples/records.ts';
import { projectRoot } from '../../local/services/paths.ts';
import { handlerFor } from '../../shared/handler/handler-for.ts';
import type { Output } from '../../shared/outputs/output.ts';
import type { OutputSpec } from '../../shared/outputs/spec.ts';
import type { StepPorts } from '../../shared/steps/step.ts';
import { EventBuilder, type TestRecord } from '../../shared/testing/kafka-event.ts';
import type { Flow } from '../../shared/topology/flow.ts';

/** DynamoDB request units and requests one client saw, by the units DynamoDB reports (ReturnConsumedCapacity). */
export interface DynamoTally {
  readUnits: number;
  writeUnits: number;
  /** Conditional writes refused: billed one write unit each (items here are under 1 KB). */
  refusedWrites: number;
  requests: Record<string, number>;
}

const READS = new Set(['BatchGetItemCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand']);

const capacityOf = (output: unknown): number => {
  const consumed = (output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((a, c) => a + ((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
};

/** Counts every request of `client` and the capacity units DynamoDB reports for it into `tally`. */
export const countRequests = (client: DynamoDBClient, tally: DynamoTally): void => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      tally.requests[command] = (tally.requests[command] ?? 0) + 1;
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      try {
        const result = await next(args);
        const units = capacityOf(result.output);
        if (READS.has(command)) tally.readUnits += units;
        else tally.writeUnits += units;
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') tally.refusedWrites++;
        throw error;
      }
    },
    { step: 'initialize', name: 'sluiceCostCounter' },
  );
};

export const newTally = (): DynamoTally => ({ readUnits: 0, writeUnits: 0, refusedWrites: 0, requests: {} });

/** What one flow did over the batches it was given. */
export interface FlowRun {
  readonly records: number;
  readonly batches: number;
  /** In-process CPU (user + system) per record: the handler's own work, outputs captured, not sent. */
  readonly cpuMicrosPerRecord: number;
  /** Bytes written per batch whatever it held: the EMF documents (and any line a clean batch prints). */
  readonly logBytesPerBatch: number;
  /** Mean bytes of the summary line a batch prints (WARN) when it dead-lettered records; 0 if none did. */
  readonly deadLetterLineBytes: number;
  /** Records dead-lettered over records in, on these samples (their bad records are there on purpose). */
  readonly deadLetterRate: number;
  /** Mean bytes of a record in the invocation's event JSON (base64 key and value, headers), for the 6 MB cap. */
  readonly eventBytesPerRecord: number;
  /** Distinct metrics (namespace, name, dimension values) in the EMF lines. */
  readonly metrics: readonly string[];
  /** What each output received, values as the flow made them. */
  readonly outputs: ReadonlyMap<string, readonly FlowRecordValue[]>;
}

export interface FlowRecordValue {
  readonly key: string | null;
  readonly value: unknown;
  readonly partition: number;
}

const metricsOf = (line: string): string[] => {
  if (!line.includes('"_aws"')) return [];
  const emf = JSON.parse(line) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  return emf._aws.CloudWatchMetrics.flatMap((d) =>
    d.Dimensions.flatMap((dims) =>
      d.Metrics.map(
        (m) => `${d.Namespace}/${m.Name}{${dims.map((name) => `${name}=${String(emf[name])}`).join(',')}}`,
      ),
    ),
  );
};

/** Lambda's context as the runtime gives it: Powertools adds these fields to every log line, so they count. */
const contextFor = (flow: Flow, request: number): Context =>
  ({
    functionName: flow.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:SluiceFlows-${flow.name}`,
    memoryLimitInMB: String(flow.memoryMb),
    awsRequestId: `8f5c1a2e-0b7d-4c3e-9a61-${String(request).padStart(12, '0')}`,
    logGroupName: `/aws/lambda/SluiceFlows-${flow.name}`,
    logStreamName: '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

/**
 * Runs `records` through the flow's real handler in full batches of the flow's batch size per partition (as at a
 * sustained rate); returns CPU, log bytes and metrics per batch. Outputs are captured in memory, except table
 * outputs when `realTables` (they write to the DynamoDB endpoint the environment names).
 */
export const runFlow = async (
  flow: Flow,
  records: readonly TestRecord[],
  options: { ports?: (partition: number) => StepPorts; realTables?: boolean } = {},
): Promise<FlowRun> => {
  const ports = options.ports ?? (() => ({}));
  const outputs = new Map<string, FlowRecordValue[]>();
  const capture = (spec: OutputSpec): Output =>
    options.realTables && spec.kind === 'table' ? spec.create() : captured(spec);
  const captured = (spec: OutputSpec): Output => ({
    name: spec.name,
    write: async (batch) => {
      const list = outputs.get(spec.name) ?? [];
      outputs.set(spec.name, list);
      for (const r of batch) list.push({ key: r.key, value: r.value, partition: r.source.partition });
      return { written: batch.length, deadLetters: [] };
    },
  });
  const byPartition = new Map<number, TestRecord[]>();
  for (const r of records) {
    const p = r.partition ?? 0;
    const list = byPartition.get(p) ?? [];
    byPartition.set(p, list);
    list.push(r);
  }
  // One handler per partition, as one execution environment serves one partition's batches.
  const handlers = new Map(
    [...byPartition.keys()].map((p) => [p, handlerFor(flow, { ports: ports(p), createOutput: capture })]),
  );
  const builder = new EventBuilder(flow.source.topic.name, '2026-11-30T09:00:00Z');
  const events: { partition: number; event: ReturnType<EventBuilder['event']> }[] = [];
  for (const [partition, list] of byPartition) {
    for (let i = 0; i < list.length; i += flow.source.batchSize) {
      events.push({ partition, event: builder.event(list.slice(i, i + flow.source.batchSize)) });
    }
  }

  let logBytes = 0;
  let deadLetterLines = 0;
  let deadLetterLineBytes = 0;
  let deadLettered = 0;
  const metrics = new Set<string>();
  // Powertools' Logger writes WARN and ERROR to stderr, EMF and the rest to stdout: Lambda sends both to the logs.
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const cpuBefore = process.cpuUsage();
  let request = 0;
  for (const { partition, event } of events) {
    const lines: string[] = [];
    const capture = ((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      await (handlers.get(partition) as ReturnType<typeof handlerFor>)(event, contextFor(flow, request++));
    } finally {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
    }
    for (const line of lines.join('').split('\n')) {
      if (!line.trim()) continue;
      const bytes = Buffer.byteLength(line) + 1;
      const summary = line.includes('"message":"batch"')
        ? (JSON.parse(line) as { deadLettered?: number })
        : {};
      if (summary.deadLettered) {
        deadLetterLines++;
        deadLetterLineBytes += bytes;
        deadLettered += summary.deadLettered;
      } else logBytes += bytes;
      for (const m of metricsOf(line)) metrics.add(m);
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const eventBytes = events.reduce((a, e) => a + Buffer.byteLength(JSON.stringify(e.event)), 0);
  return {
    records: records.length,
    batches: events.length,
    cpuMicrosPerRecord: (cpu.user + cpu.system) / records.length,
    logBytesPerBatch: logBytes / events.length,
    deadLetterLineBytes: deadLetterLines > 0 ? deadLetterLineBytes / deadLetterLines : 0,
    deadLetterRate: deadLettered / Math.max(1, records.length),
    eventBytesPerRecord: eventBytes / Math.max(1, records.length),
    metrics: [...metrics].sort(),
    outputs,
  };
};

/** A sample file's records as the flow test kit takes them (JSON values; text kept as text). */
export const sampleRecords = (topic: string, partitions: number): TestRecord[] =>
  readSampleRecords(join(projectRoot, 'events', 'records', `${topic}.jsonl`)).map((r, i) => ({
    key: r.key,
    value: r.text !== undefined ? r.text : (r.value ?? null),
    headers: Object.fromEntries(
      Object.entries(r.headers ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ),
    partition: i % partitions,
    ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
  }));

/** Mean bytes of the values' JSON text (what a JSON topic, the lake and the index carry per record). */
export const meanJsonBytes = (values: readonly unknown[]): number =>
  values.reduce<number>((a, v) => a + Buffer.byteLength(JSON.stringify(v) ?? ''), 0) /
  Math.max(1, values.length);

/** dynalite in this process, on a free port, with the topology's tables; products seeded from events/seeds. */
export const startDynalite = async (
  tables: readonly { name: string; partitionKey: { name: string } }[],
): Promise<{ endpoint: string; stop: () => Promise<void> }> => {
  // dynalite has no types; it is CommonJS, as local/services/dynalite-main.cjs loads it.
  const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, number>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const table of tables) {
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: table.partitionKey.name, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: table.partitionKey.name, KeyType: 'HASH' }],
      }),
    );
    let seed: Record<string, unknown>[] = [];
    try {
      seed = JSON.parse(readFileSync(join(projectRoot, 'events', 'seeds', `${table.name}.json`), 'utf8'));
    } catch {
      // No seed for this table: a flow loads it.
    }
    for (const item of seed) {
      await client.send(new PutItemCommand({ TableName: table.name, Item: marshall(item) }));
    }
  }
  client.destroy();
  return { endpoint, stop: () => new Promise((resolve) => server.close(() => resolve())) };
};
