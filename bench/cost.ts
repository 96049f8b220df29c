/**
 * npm run bench -- cost [--readme]: what the reference topology costs on AWS per million records and per month at
 * 1,000 / 10,000 / 100,000 records/s, against Data Firehose, MSK Connect and Kafka Streams on Fargate.
 * CPU per record per flow comes from bench/results/e2e.json (`npm run bench -- e2e`); log bytes, EMF metrics,
 * DynamoDB request units and record sizes are measured here, in process, on the sample events (DynamoDB in an
 * in-process dynalite); prices and assumptions from bench/prices.json. Writes bench/results/cost.json and the
 * README's cost section. `--readme` only regenerates the README section from cost.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { topology } from '../functions/topology.ts';
import { EVENT_OVERHEAD_BYTES, MAX_PAYLOAD_BYTES } from '../local/esm/event.ts';
import { projectRoot } from '../local/services/paths.ts';
import { dynamoDbClient } from '../shared/clients/dynamodb.ts';
import { type Flow, FlowDefaults } from '../shared/topology/flow.ts';
import {
  type CpuFigure,
  cpuFromE2e,
  type E2eResults,
  ioWaitMsPerBatch,
  s3RequestsPerBatch,
} from './cost/inputs.ts';
import {
  countRequests,
  type DynamoTally,
  type FlowRun,
  meanJsonBytes,
  newTally,
  runFlow,
  sampleRecords,
  startDynalite,
} from './cost/measure.ts';
import {
  type FlowInput,
  firehosePerSecond,
  flowCost,
  kafkaStreamsPerSecond,
  mskConnectPerSecond,
  perMillion,
  perMonth,
} from './cost/model.ts';
import { type PriceBook, priceBook, readPrices } from './cost/prices.ts';
import { type Alternative, type CostReport, costSection, renderSection } from './cost/report.ts';
import type { KafkaStreamsResult } from './kafka-streams.ts';

const RATES = [1_000, 10_000, 100_000] as const;
const HEADLINE_RATE = 10_000;
const TARGET = 0.05;
const MEMORY_SIZES = [256, 512, 1024, 1769, 3008] as const;
/**
 * Batching for cleanse-reviews and enrich-reviews: the windows a Kafka mapping accepts (0, Lambda's 500 ms default
 * by leaving it unset, whole seconds) by batch sizes.
 */
const PROCESSOR_WINDOWS_MS = [0, 500, 1000] as const;
const PROCESSOR_BATCH_SIZES = [100, 125, 250, 500, 1000] as const;
const PROCESSOR_FLOWS = ['cleanse-reviews', 'enrich-reviews'];
const REVIEW_FLOWS = ['cleanse-reviews', 'enrich-reviews', 'lake-sink', 'search-sink'] as const;
const DELIVERY_FLOWS = ['lake-sink', 'search-sink'];
const CUSTOMER_CHANGES_PER_SEC = 100;
/** Lambda's 6 MB synchronous payload, less the event's envelope, as the emulator's batcher counts them. */
const INVOCATION_PAYLOAD_RECORD_BYTES = MAX_PAYLOAD_BYTES - EVENT_OVERHEAD_BYTES;
/** The enrich cache's TTL (shared/enrich/enrich.ts default; the reference flow sets none). */
const ENRICH_CACHE_TTL_SECONDS = 300;

const resultsDir = join(projectRoot, 'bench', 'results');
const costFile = join(resultsDir, 'cost.json');
const readmeFile = join(projectRoot, 'README.md');

const flowNamed = (name: string): Flow => {
  const flow = topology.flow(name);
  if (!flow) throw new Error(`the reference topology has no flow ${name}`);
  return flow;
};

const writeReadme = (report: CostReport): void => {
  const readme = readFileSync(readmeFile, 'utf8');
  writeFileSync(readmeFile, costSection.replace(readme, renderSection(report)));
};

interface Measured {
  readonly runs: ReadonlyMap<string, FlowRun>;
  readonly enrichTally: DynamoTally;
  readonly customersTally: DynamoTally;
  readonly rawBytes: number;
  readonly enrichedBytes: number;
}

/** Every flow's handler on the samples, twice: the first pass counts DynamoDB units (cold caches), the second CPU. */
const measure = async (): Promise<Measured> => {
  const dynalite = await startDynalite(topology.tables);
  process.env.SLUICE_DYNAMODB_ENDPOINT = dynalite.endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_REGION ??= 'us-east-1';
  // Powertools adds the X-Ray trace id to every log line on Lambda: count its bytes too.
  process.env._X_AMZN_TRACE_ID ??=
    'Root=1-674ae0b2-5f1c3a7d9e2b4c6a8f0e1d3b;Parent=53995c3f42cd8ad8;Sampled=0';
  const runs = new Map<string, FlowRun>();
  try {
    const customersTally = newTally();
    countRequests(await dynamoDbClient(), customersTally);
    const customers = flowNamed('customers-table');
    const changes = sampleRecords('customers.cdc', customers.source.topic.partitions);
    await runFlow(customers, changes, { realTables: true });
    const customersCounted = { ...customersTally, requests: { ...customersTally.requests } };
    // Again, for CPU, the table captured: the in-process dynalite's own CPU would count otherwise.
    runs.set(customers.name, await runFlow(customers, changes));

    const cleanse = flowNamed('cleanse-reviews');
    const raw = sampleRecords('reviews.raw', cleanse.source.topic.partitions);
    await runFlow(cleanse, raw);
    const cleansed = await runFlow(cleanse, raw);
    runs.set(cleanse.name, cleansed);
    const clean = (cleansed.outputs.get(cleanse.outputs[0]?.name ?? '') ?? []).map((r) => ({
      key: r.key,
      value: r.value,
      partition: r.partition,
    }));

    // One client (so one enrichment cache) per partition, as each execution environment has its own.
    const enrich = flowNamed('enrich-reviews');
    const enrichTally = newTally();
    const clientsFor = () => {
      const clients = new Map<number, DynamoDBClient>();
      return (partition: number) => {
        let client = clients.get(partition);
        if (!client) {
          client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1' });
          clients.set(partition, client);
        }
        return client;
      };
    };
    const counted = clientsFor();
    await runFlow(enrich, clean, {
      ports: (p) => {
        const client = counted(p);
        if (!client.middlewareStack.identify().some((m) => m.startsWith('sluiceCostCounter')))
          countRequests(client, enrichTally);
        return { dynamodb: client };
      },
    });
    const enrichCounted = { ...enrichTally, requests: { ...enrichTally.requests } };
    // Again, for CPU, on the same (now warm) caches: no lookups, so no dynalite CPU in this process.
    const enriched = await runFlow(enrich, clean, { ports: (p) => ({ dynamodb: counted(p) }) });
    runs.set(enrich.name, enriched);
    const out = (enriched.outputs.get(enrich.outputs[0]?.name ?? '') ?? []).map((r) => ({
      key: r.key,
      value: r.value,
      partition: r.partition,
    }));
    for (const name of DELIVERY_FLOWS) {
      const flow = flowNamed(name);
      await runFlow(flow, out);
      runs.set(name, await runFlow(flow, out));
    }
    return {
      runs,
      enrichTally: enrichCounted,
      customersTally: customersCounted,
      rawBytes: meanJsonBytes(raw.map((r) => r.value)),
      enrichedBytes: meanJsonBytes(out.map((r) => r.value)),
    };
  } finally {
    (await dynamoDbClient()).destroy();
    await dynalite.stop();
  }
};

const e2eResults = (): E2eResults => {
  const file = join(resultsDir, 'e2e.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as E2eResults) : {};
};

const kafkaStreamsResults = (): (KafkaStreamsResult & { measuredAt: string }) | undefined => {
  const file = join(resultsDir, 'kafka-streams.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
};

const flowInput = (
  flow: Flow,
  run: FlowRun,
  cpu: CpuFigure,
  dynamo: { readsPerPartitionPerSecond: number; writesPerRecord: number; tableWrites: number },
  book: PriceBook,
): FlowInput => {
  const s3 = s3RequestsPerBatch(flow);
  return {
    name: flow.name,
    cpuMicrosPerRecord: cpu.micros,
    memoryMb: flow.memoryMb,
    batchSize: flow.source.batchSize,
    batchingWindowMs: flow.source.batchingWindowMs,
    partitions: flow.source.topic.partitions,
    ioWaitMsPerBatch: ioWaitMsPerBatch(
      flow,
      // Lookups hit the warm cache at steady state (a refresh per key per TTL is a few calls per 5 minutes).
      { lookupCalls: 0, tableWrites: dynamo.tableWrites, tableConcurrency: 16 },
      book,
    ),
    logBytesPerBatch: run.logBytesPerBatch,
    deadLetterLineBytes: run.deadLetterLineBytes,
    deadLetterRate: run.deadLetterRate,
    maxRecordsPerInvocation: Math.floor(INVOCATION_PAYLOAD_RECORD_BYTES / run.eventBytesPerRecord),
    platformLogs: FlowDefaults.platformLogs,
    customMetrics: run.metrics.length,
    s3PutsPerBatch: s3.puts,
    s3GetsPerBatch: s3.gets,
    dynamodbReadUnitsPerPartitionPerSecond: dynamo.readsPerPartitionPerSecond,
    dynamodbWriteUnitsPerRecord: dynamo.writesPerRecord,
    ...(flow.source.provisionedPollers ? { minimumPollers: flow.source.provisionedPollers.minimum } : {}),
  };
};

export const main = async (args: string[]): Promise<void> => {
  if (args.includes('--readme')) {
    writeReadme(JSON.parse(readFileSync(costFile, 'utf8')) as CostReport);
    console.log(`README.md cost section written from ${costFile}`);
    return;
  }
  const pricesPath = join(projectRoot, 'bench', 'prices.json');
  const priceFile = readPrices(pricesPath);
  const ks = kafkaStreamsResults();
  const listed = priceBook(priceFile);
  // A measured Kafka Streams figure (npm run bench -- kafka-streams) wins over the assumption in the price file.
  const book: PriceBook = ks
    ? { ...listed, assume: { ...listed.assume, kafkaStreamsRecordsPerSecPerVcpu: ks.recordsPerCpuSecond } }
    : listed;
  const e2e = e2eResults();
  const m = await measure();

  const cpu = new Map<string, CpuFigure>();
  for (const [name, run] of m.runs) {
    cpu.set(
      name,
      cpuFromE2e(e2e, name) ?? {
        micros: run.cpuMicrosPerRecord,
        source: 'in process, this run (no e2e figure)',
      },
    );
  }
  const enrichRun = m.runs.get('enrich-reviews') as FlowRun;
  const customersRun = m.runs.get('customers-table') as FlowRun;
  const none = { readsPerPartitionPerSecond: 0, writesPerRecord: 0, tableWrites: 0 };
  const enrichPartitions = flowNamed('enrich-reviews').source.topic.partitions;
  const dynamo: Record<string, typeof none> = {
    // Cold caches, one per partition: each partition read each key it saw once, as it does once per TTL.
    'enrich-reviews': {
      ...none,
      readsPerPartitionPerSecond: m.enrichTally.readUnits / enrichPartitions / ENRICH_CACHE_TTL_SECONDS,
    },
    'customers-table': {
      ...none,
      writesPerRecord: (m.customersTally.writeUnits + m.customersTally.refusedWrites) / customersRun.records,
      tableWrites:
        Object.entries(m.customersTally.requests)
          .filter(([c]) => !c.startsWith('BatchGet'))
          .reduce((a, [, n]) => a + n, 0) / customersRun.batches,
    },
  };
  const inputs = new Map<string, FlowInput>();
  for (const [name, run] of m.runs) {
    inputs.set(name, flowInput(flowNamed(name), run, cpu.get(name) as CpuFigure, dynamo[name] ?? none, book));
  }

  const sluiceAt = (
    rate: number,
    flows: readonly string[],
    change: {
      memoryMb?: number;
      processorWindowMs?: number;
      processorBatchSize?: number;
      platformLogs?: boolean;
    } = {},
  ) =>
    flows
      .map((n) => {
        const windowed = change.processorWindowMs !== undefined && PROCESSOR_FLOWS.includes(n);
        const sized = change.processorBatchSize !== undefined && PROCESSOR_FLOWS.includes(n);
        const input: FlowInput = {
          ...(inputs.get(n) as FlowInput),
          ...(change.memoryMb ? { memoryMb: change.memoryMb } : {}),
          ...(windowed ? { batchingWindowMs: change.processorWindowMs } : {}),
          ...(sized ? { batchSize: change.processorBatchSize } : {}),
          ...(change.platformLogs !== undefined ? { platformLogs: change.platformLogs } : {}),
        };
        return flowCost(input, rate, book);
      })
      .reduce((a, f) => a + f.dollarsPerSecond, 0);
  const perSecondAt = (rate: number): Record<Alternative, number> => {
    const connect = mskConnectPerSecond(rate, m.enrichedBytes, book);
    return {
      sluice: sluiceAt(rate, REVIEW_FLOWS),
      sluiceDelivery: sluiceAt(rate, DELIVERY_FLOWS),
      firehose: firehosePerSecond(rate, m.enrichedBytes, book),
      mskConnect: connect,
      kafkaStreams: kafkaStreamsPerSecond(rate, book) + connect,
    };
  };
  const map = (o: Record<Alternative, number>, f: (v: number) => number) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as Record<Alternative, number>;
  const byRate = RATES.map((rate) => {
    const s = perSecondAt(rate);
    return {
      recordsPerSec: rate,
      dollarsPerMillion: map(s, (v) => perMillion(v, rate)),
      dollarsPerMonth: map(s, perMonth),
    };
  });
  const headline = byRate.find((r) => r.recordsPerSec === HEADLINE_RATE) as (typeof byRate)[number];
  const peakRss = e2e.peakRssMbByFlow ?? {};
  const ratio = headline.dollarsPerMillion.sluice / headline.dollarsPerMillion.firehose;
  const report: CostReport = {
    sluiceDollarsPerMillion: headline.dollarsPerMillion.sluice,
    firehoseDollarsPerMillion: headline.dollarsPerMillion.firehose,
    mskConnectDollarsPerMillion: headline.dollarsPerMillion.mskConnect,
    kafkaStreamsDollarsPerMillion: headline.dollarsPerMillion.kafkaStreams,
    atRecordsPerSec: HEADLINE_RATE,
    target: { ratio, atMost: TARGET, met: ratio <= TARGET },
    byRate,
    flows: REVIEW_FLOWS.map((name) => {
      const f = flowCost(inputs.get(name) as FlowInput, HEADLINE_RATE, book);
      return {
        name,
        dollarsPerMillion: perMillion(f.dollarsPerSecond, HEADLINE_RATE),
        items: Object.fromEntries(
          Object.entries(f.perSecond).map(([k, v]) => [k, perMillion(v, HEADLINE_RATE)]),
        ),
        partitions: f.partitions,
        recordsPerBatch: f.recordsPerBatch,
        invocationsPerSec: f.invocationsPerSec,
      };
    }),
    customersTable: {
      dollarsPerMillionChanges: perMillion(
        flowCost(inputs.get('customers-table') as FlowInput, CUSTOMER_CHANGES_PER_SEC, book).dollarsPerSecond,
        CUSTOMER_CHANGES_PER_SEC,
      ),
      atChangesPerSec: CUSTOMER_CHANGES_PER_SEC,
    },
    memoryWhatIf: MEMORY_SIZES.map((memoryMb) => ({
      memoryMb,
      sluiceDollarsPerMillion: perMillion(sluiceAt(HEADLINE_RATE, REVIEW_FLOWS, { memoryMb }), HEADLINE_RATE),
      belowPeakRss: REVIEW_FLOWS.filter((n) => (peakRss[n] ?? 0) > memoryMb),
    })),
    platformLogsWhatIf: {
      sluiceDollarsPerMillion: perMillion(
        sluiceAt(HEADLINE_RATE, REVIEW_FLOWS, { platformLogs: !FlowDefaults.platformLogs }),
        HEADLINE_RATE,
      ),
      platformLogs: !FlowDefaults.platformLogs,
    },
    windowWhatIf: PROCESSOR_WINDOWS_MS.flatMap((windowMs) =>
      PROCESSOR_BATCH_SIZES.map((batchSize) => {
        const change = { processorWindowMs: windowMs, processorBatchSize: batchSize };
        return {
          windowMs,
          batchSize,
          sluiceDollarsPerMillion: perMillion(sluiceAt(HEADLINE_RATE, REVIEW_FLOWS, change), HEADLINE_RATE),
          // What the window adds per hop at most: the first record of a batch waits until it is full or the
          // window ends; at the e2e latency run's offered rate (its half capacity) and at the headline rate.
          waitMsPerHop: Object.fromEntries(
            [
              ['e2eHalfCapacity', e2e.processingPathLatency?.inputRate],
              ['headline', HEADLINE_RATE],
            ].map(([at, rate]) => [
              at,
              rate === undefined
                ? null
                : Math.max(
                    ...PROCESSOR_FLOWS.map((n) => {
                      const input = inputs.get(n) as FlowInput;
                      const partitions =
                        at === 'headline'
                          ? flowCost({ ...input, batchSize, batchingWindowMs: windowMs }, HEADLINE_RATE, book)
                              .partitions
                          : input.partitions;
                      return Math.min(windowMs, (batchSize / (Number(rate) / partitions)) * 1000);
                    }),
                  ),
            ]),
          ),
        };
      }),
    ),
    inputs: {
      e2eMeasuredAt: e2e.measuredAt ?? null,
      flows: Object.fromEntries(
        [...inputs].map(([name, input]) => [
          name,
          {
            ...input,
            cpuSource: cpu.get(name)?.source,
            inProcessCpuMicrosPerRecord: m.runs.get(name)?.cpuMicrosPerRecord,
            metrics: m.runs.get(name)?.metrics,
            ...(peakRss[name] !== undefined ? { peakRssMb: peakRss[name] } : {}),
          },
        ]),
      ),
      recordBytes: {
        raw: Math.round(m.rawBytes),
        enriched: Math.round(m.enrichedBytes),
        from: 'events/records samples, JSON text',
      },
      dynamodb: {
        enrichReviews: {
          ...m.enrichTally,
          records: enrichRun.records,
          partitions: enrichPartitions,
          cacheTtlSeconds: ENRICH_CACHE_TTL_SECONDS,
          note: 'cold caches, one per partition: every distinct key of a partition read once, as once per TTL at steady state',
        },
        customersTable: { ...m.customersTally, records: customersRun.records },
      },
      kafkaStreams: ks
        ? {
            recordsPerCpuSecond: ks.recordsPerCpuSecond,
            from: `bench/results/kafka-streams.json (npm run bench -- kafka-streams, ${ks.measuredAt})`,
          }
        : {
            recordsPerCpuSecond: listed.assume.kafkaStreamsRecordsPerSecPerVcpu,
            from: 'assumption (bench/prices.json)',
          },
      cpuNote:
        "CPU per record was measured on this machine's x86 cores and is taken as Graviton (arm64) time one for one",
      excluded:
        'the Kafka cluster (yours, the same for every alternative), OpenSearch (your cluster, the same for every alternative), storage, data transfer within a region; Firehose and MSK Connect deliver only (no cleanse, no enrich)',
      assumptions: priceFile.assumptions,
    },
    prices: {
      file: 'bench/prices.json',
      region: priceFile.region,
      checked: priceFile.checked,
      unverified: Object.entries(priceFile.prices)
        .filter(([, p]) => p.verified === false)
        .map(([k]) => k),
    },
    measuredAt: new Date().toISOString(),
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(costFile, `${JSON.stringify(report, null, 2)}\n`);
  writeReadme(report);

  const usd = (v: number) => `$${v.toFixed(4)}`;
  console.log(`records: raw ${Math.round(m.rawBytes)} B, enriched ${Math.round(m.enrichedBytes)} B (JSON)`);
  for (const [name, c] of cpu) console.log(`cpu ${name}: ${c.micros.toFixed(1)} µs/record (${c.source})`);
  console.table(
    byRate.map((r) => ({
      'records/s': r.recordsPerSec,
      ...Object.fromEntries(Object.entries(r.dollarsPerMillion).map(([k, v]) => [`${k} $/M`, usd(v)])),
    })),
  );
  console.table(
    report.flows.map((f) => ({
      flow: f.name,
      '$/M': usd(f.dollarsPerMillion),
      ...Object.fromEntries(Object.entries(f.items).map(([item, v]) => [`${item} $/M`, usd(v)])),
    })),
  );
  console.log(
    `target: sluice ${usd(report.sluiceDollarsPerMillion)} / firehose ${usd(report.firehoseDollarsPerMillion)} = ${ratio.toFixed(3)} (≤ ${TARGET}: ${report.target.met ? 'met' : 'not met'})`,
  );
  console.log(`wrote ${costFile} and README.md's cost section`);
};
