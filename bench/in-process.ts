/**
 * The processing flows' own work in this process, on the records the e2e benchmark sends: cleanse-reviews'
 * real handler on the reviews, then enrich-reviews' on what cleanse produced (lineage headers included). Topic
 * outputs are the real topic writer (encode, lineage, send sizing) with a producer that keeps the messages and
 * sends nothing; enrich reads the products seed and the bench's customers from memory (after the first batch
 * from its cache, as warm environments do). No event JSON, no Kafka client, no execution environment: what is
 * left is decode → steps → encode, the figure the environments' CPU per record is compared with. Each flow runs
 * in a process of its own on Node.js 24 with its environment's node flags (heap, GC, flowNodeOptions), as its environments do: one process
 * running both flows optimises their shared code (decoding, the handler, the topic writer) for neither.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { flowNodeOptions, flowV8Flags } from '../cdk/bundling.ts';
import { flow as cleanseFlow } from '../functions/cleanse-reviews.ts';
import { flow as enrichFlow } from '../functions/enrich-reviews.ts';
import { lambdaNode, lambdaNodeArgs } from '../local/lambda/runtime.ts';
import { projectRoot } from '../local/services/paths.ts';
import type { ProducedMessage } from '../shared/clients/kafka.ts';
import type { KafkaEvent, KafkaEventRecord } from '../shared/decode/event.ts';
import { handlerFor } from '../shared/handler/handler-for.ts';
import type { Output } from '../shared/outputs/output.ts';
import type { OutputSpec } from '../shared/outputs/spec.ts';
import { createTopicWriter } from '../shared/outputs/topic-writer.ts';
import { MemoryTables } from '../shared/testing/memory-tables.ts';
import { silentMetrics } from '../shared/testing/silent-metrics.ts';
import type { Flow } from '../shared/topology/flow.ts';

export interface SourceMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: readonly { readonly key: string; readonly value: Buffer | string }[];
}

const context = {
  functionName: 'bench-in-process',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const base64 = (v: Buffer | string | null) => (v === null ? null : Buffer.from(v).toString('base64'));

/** Events of `batch` records of one partition each, as the emulator cuts them, over 3 partitions. */
const eventsOf = (topic: string, messages: readonly SourceMessage[], batch: number): KafkaEvent[] => {
  const byPartition: KafkaEventRecord[][] = [[], [], []];
  messages.forEach((m, i) => {
    const partition = i % 3;
    const list = byPartition[partition] as KafkaEventRecord[];
    list.push({
      topic,
      partition,
      offset: list.length,
      timestamp: 1_795_165_200_000 + i,
      timestampType: 'CREATE_TIME',
      key: base64(m.key),
      value: base64(m.value),
      headers: (m.headers ?? []).map((h) => ({ [h.key]: [...Buffer.from(h.value)] })),
    });
  });
  const events: KafkaEvent[] = [];
  byPartition.forEach((list, partition) => {
    for (let i = 0; i < list.length; i += batch)
      events.push({
        eventSource: 'SelfManagedKafka',
        records: { [`${topic}-${partition}`]: list.slice(i, i + batch) },
      });
  });
  return events;
};

/** The flow's real handler; its topic outputs encode as deployed and keep what they would have sent. */
const rig = (flow: Flow, tables?: MemoryTables) => {
  const sent = new Map<string, ProducedMessage[]>();
  const createOutput = (spec: OutputSpec): Output => {
    const topic = spec.resources.topics?.[0] ?? spec.name;
    const kept: ProducedMessage[] = [];
    sent.set(topic, kept);
    return createTopicWriter({
      name: spec.name,
      topic,
      maxMessageBytes: 1_048_588,
      producer: () => ({
        sendBatch: async (batch) => {
          for (const b of batch) for (const m of b.messages) kept.push(m);
        },
      }),
    });
  };
  const metrics = silentMetrics(flow.name);
  const handler = handlerFor(flow, {
    createOutput,
    ...(tables ? { ports: { dynamodb: tables.port } } : {}),
    logger: new Logger({ serviceName: flow.name, logLevel: 'SILENT' }),
    metrics,
  });
  return { handle: (event: KafkaEvent) => handler(event, context), sent };
};

/** CPU µs per record (user + system, this process) of the best of `rounds` passes over `events`. */
const cpuPerRecord = async (
  handle: (e: KafkaEvent) => Promise<unknown>,
  events: readonly KafkaEvent[],
  records: number,
  rounds: number,
): Promise<number> => {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (const event of events) await handle(event);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / records);
  }
  return best;
};

type FlowName = 'cleanse-reviews' | 'enrich-reviews';

/** Messages through a file between processes: keys and values as text, header values base64. */
interface Stored {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: { key: string; value: string }[];
}
const store = (messages: readonly ProducedMessage[]): Stored[] =>
  messages.map((m) => ({
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value === null ? null : m.value.toString('utf8'),
    headers: m.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value).toString('base64') })),
  }));
const load = (stored: readonly Stored[]): SourceMessage[] =>
  stored.map((m) => ({
    ...m,
    headers: m.headers.map((h) => ({ key: h.key, value: Buffer.from(h.value, 'base64') })),
  }));

/** In a child process: one flow over the messages in `input`; writes what its main topic output sent to `output`. */
const measureOne = async (flow: FlowName, input: string, output: string, batch: number, rounds: number) => {
  const messages = load(JSON.parse(readFileSync(input, 'utf8')) as Stored[]);
  let tables: MemoryTables | undefined;
  if (flow === 'enrich-reviews') {
    const products = JSON.parse(readFileSync(join(projectRoot, 'events', 'seeds', 'products.json'), 'utf8'));
    const customerIds = new Set(
      messages.map((m) => (JSON.parse(String(m.value)) as { customerId: string }).customerId),
    );
    tables = new MemoryTables({
      products,
      customers: [...customerIds].map((customerId, i) => ({
        customerId,
        name: `Customer ${i}`,
        tier: i % 10 === 0 ? 'gold' : 'silver',
        country: 'GB',
        since: '2024-01-01',
      })),
    });
  }
  const { handle, sent } = rig(flow === 'cleanse-reviews' ? cleanseFlow : enrichFlow, tables);
  const events = eventsOf(flow === 'cleanse-reviews' ? 'reviews.raw' : 'reviews.clean', messages, batch);
  for (const event of events) await handle(event); // warm-up: JIT, caches
  writeFileSync(
    output,
    JSON.stringify(store(sent.get(flow === 'cleanse-reviews' ? 'reviews.clean' : 'reviews.enriched') ?? [])),
  );
  return cpuPerRecord(handle, events, messages.length, rounds);
};

const here = fileURLToPath(import.meta.url);

const runChild = (flow: FlowName, input: string, output: string, memoryMb: number): number => {
  const child = spawnSync(
    lambdaNode().path,
    [
      // The environments' own flags (heap, GC, source maps): the ratio compares like with like.
      ...lambdaNodeArgs(memoryMb),
      ...flowV8Flags,
      ...flowNodeOptions,
      ...(process.env.SLUICE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      here,
      flow,
      input,
      output,
    ],
    { encoding: 'utf8', env: { ...process.env, SLUICE_IN_PROCESS_CHILD: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  // The figure is the last line (diagnostic node flags such as --trace-gc print before it).
  const lines = child.stdout.trim().split('\n');
  const micros = Number(lines.findLast((line) => /^[\d.]+$/.test(line)));
  if (child.status !== 0 || !Number.isFinite(micros))
    throw new Error(`in-process measurement of ${flow} failed (${child.status}): ${child.stderr}`);
  return micros;
};

/**
 * In-process CPU µs per record of cleanse-reviews on `reviews` and of enrich-reviews on what cleanse produced,
 * each in its own process with `memoryMb`'s heap flags (one warm-up pass, then the best of `rounds`).
 */
export const inProcessCpu = async (
  reviews: readonly SourceMessage[],
  memoryMb: Readonly<Record<FlowName, number>>,
): Promise<Record<FlowName, number>> => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-in-process-'));
  const raw = join(dir, 'raw.json');
  writeFileSync(
    raw,
    JSON.stringify(
      reviews.map((m) => ({
        key: m.key === null ? null : String(m.key),
        value: m.value === null ? null : String(m.value),
        headers: [],
      })),
    ),
  );
  const clean = join(dir, 'clean.json');
  const cleanse = runChild('cleanse-reviews', raw, clean, memoryMb['cleanse-reviews']);
  const enrich = runChild('enrich-reviews', clean, join(dir, 'enriched.json'), memoryMb['enrich-reviews']);
  return { 'cleanse-reviews': cleanse, 'enrich-reviews': enrich };
};

if (process.env.SLUICE_IN_PROCESS_CHILD && process.argv[1] === here) {
  const [flow, input, output] = process.argv.slice(2) as [FlowName, string, string];
  // Best of 7 passes: a pass is ~0.5 s, and the machine's other work lands on some of them.
  console.log(await measureOne(flow, input, output, 500, 7));
}
