import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type FlowInput,
  firehosePerSecond,
  flowCost,
  kafkaStreamsPerSecond,
  kafkaStreamsTasks,
  mskConnectMcus,
  mskConnectPerSecond,
  perMillion,
  perMonth,
  recordsPerBatch,
} from '../../../bench/cost/model.ts';
import { type PriceBook, parsePrices } from '../../../bench/cost/prices.ts';
import { projectRoot } from '../../../local/services/paths.ts';
import { ConfigError } from '../../../shared/errors.ts';

/** Round prices and assumptions, so every expected figure below can be worked out by hand. */
const book = (overrides: Partial<PriceBook['usd']> = {}): PriceBook => ({
  usd: {
    lambdaArmGbSecond: 0.00001,
    lambdaRequest: 0.0000002,
    lambdaEventPollerUnitHour: null,
    cloudwatchLogsIngestionGb: 0.5,
    cloudwatchCustomMetricMonth: 0.3,
    s3Put: 0.000005,
    s3Get: 0.0000004,
    dynamodbWriteUnit: 0.000000625,
    dynamodbReadUnit: 0.000000125,
    firehoseMskIngestionGb: 0.055,
    firehoseFormatConversionGb: 0.018,
    firehoseVpcDeliveryGb: 0.01,
    firehoseVpcAzHour: 0.01,
    mskConnectMcuHour: 0.11,
    fargateArmVcpuHour: 0.03238,
    fargateArmGbHour: 0.00356,
    ...overrides,
  },
  assume: {
    lambdaMbPerVcpu: 1024,
    busyTarget: 0.5,
    invokeOverheadMs: 0,
    topicSendMs: 10,
    dynamodbCallMs: 5,
    s3RequestMs: 30,
    openSearchBulkMs: 100,
    platformLogBytesPerInvocation: 0,
    mskConnectMbPerSecPerMcu: 5,
    kafkaStreamsRecordsPerSecPerVcpu: 20_000,
    kafkaPollersPerEpu: 10,
    firehoseVpcAzs: 2,
  },
});

const flow: FlowInput = {
  name: 'f',
  cpuMicrosPerRecord: 100,
  memoryMb: 512,
  batchSize: 1000,
  batchingWindowMs: 1000,
  partitions: 2,
  ioWaitMsPerBatch: 50,
  logBytesPerBatch: 1024 * 1024,
  deadLetterLineBytes: 0,
  deadLetterRate: 0,
  maxRecordsPerInvocation: 10_000,
  platformLogs: false,
  customMetrics: 10,
  s3PutsPerBatch: 2,
  s3GetsPerBatch: 1,
  dynamodbReadUnitsPerPartitionPerSecond: 4,
  dynamodbWriteUnitsPerRecord: 0,
};

describe('the cost model', () => {
  it('prices a flow from its CPU, memory, batching and per-batch figures', () => {
    // Act
    const cost = flowCost(flow, 10_000, book());
    // Assess, by hand:
    // busy per record = 100 µs × 1024/512 = 200 µs; a partition carries 1000 / (1000 × 0.0002 + 0.05) = 4,000/s,
    // at most half busy 2,000/s, so 10,000/s needs 5 partitions (more than the 2 declared), 2,000/s each;
    // a 1 s window holds 2,000 > 1,000: full batches, 10 invocations/s.
    expect(cost.partitions).toBe(5);
    expect(cost.recordsPerBatch).toBe(1000);
    expect(cost.invocationsPerSec).toBe(10);
    // GB-s/s = 10 × 0.5 GB × (0.2 s + 0.05 s) = 1.25
    expect(cost.gbSecondsPerSec).toBeCloseTo(1.25, 12);
    expect(cost.perSecond.compute).toBeCloseTo(1.25e-5, 15); // × $0.00001
    expect(cost.perSecond.requests).toBeCloseTo(2e-6, 15); // 10 × $0.0000002
    expect(cost.perSecond.logs).toBeCloseTo(0.0048828125, 15); // 10 MiB/s = 10/1024 GB/s × $0.5
    expect(cost.perSecond.metrics).toBeCloseTo(3 / 2_628_000, 15); // 10 × $0.30 over 730 h of seconds
    expect(cost.perSecond.s3).toBeCloseTo(1.04e-4, 15); // 10 × (2 × $0.000005 + $0.0000004)
    expect(cost.perSecond.dynamodb).toBeCloseTo(2.5e-6, 15); // 5 partitions × 4 units × $0.000000125
    expect(cost.perSecond.pollers).toBe(0);
    const total = 1.25e-5 + 2e-6 + 0.0048828125 + 3 / 2_628_000 + 1.04e-4 + 2.5e-6;
    expect(cost.dollarsPerSecond).toBeCloseTo(total, 15);
    expect(perMillion(cost.dollarsPerSecond, 10_000)).toBeCloseTo(total * 100, 12);
    expect(perMonth(1)).toBe(2_628_000);
  });

  it("adds Lambda's own START/END/REPORT bytes per invocation only when the deployment keeps them", () => {
    // Prepare: 1,024 platform bytes per invocation, 10 invocations/s (as above)
    const withPlatformBytes = book();
    const priced = {
      ...withPlatformBytes,
      assume: { ...withPlatformBytes.assume, platformLogBytesPerInvocation: 1024 },
    };
    // Act
    const dropped = flowCost(flow, 10_000, priced);
    const kept = flowCost({ ...flow, platformLogs: true }, 10_000, priced);
    // Assess: 10 × 1 KiB/s more, at $0.5 per GB
    expect(dropped.perSecond.logs).toBeCloseTo(0.0048828125, 15);
    expect(kept.perSecond.logs - dropped.perSecond.logs).toBeCloseTo((10 * 1024 * 0.5) / 1024 ** 3, 15);
  });

  it("adds the dead-letter summary line's bytes as often as a batch of that size holds a dead letter", () => {
    // Prepare: full batches of 1,000 (as above), 1 in 1,000 records dead-lettered, a 1 KiB WARN line
    const clean = flowCost({ ...flow, logBytesPerBatch: 0 }, 10_000, book());
    // Act
    const dirty = flowCost(
      { ...flow, logBytesPerBatch: 0, deadLetterLineBytes: 1024, deadLetterRate: 0.001 },
      10_000,
      book(),
    );
    // Assess: 10 batches/s, each prints the line with probability 1 − 0.999^1000 ≈ 0.632
    expect(clean.perSecond.logs).toBe(0);
    const bytesPerSec = 10 * 1024 * (1 - 0.999 ** 1000);
    expect(dirty.perSecond.logs).toBeCloseTo((bytesPerSec / 1024 ** 3) * 0.5, 15);
  });

  it('cuts batches at the 6 MB invocation payload whatever the batch size', () => {
    // Act: 1,000 records per batch configured, 400 fit in the payload
    const cost = flowCost({ ...flow, maxRecordsPerInvocation: 400 }, 10_000, book());
    // Assess: busy 200 µs, 400 / (0.08 + 0.05) ≈ 3,077/s per partition, half busy: 7 partitions; 1,429/s each
    // over a 1 s window passes 400, so full 400-record batches: 25 invocations/s
    expect(cost.partitions).toBe(7);
    expect(cost.recordsPerBatch).toBe(400);
    expect(cost.invocationsPerSec).toBe(25);
  });

  it('fills a batch with what arrives while the previous one runs when the window is 0', () => {
    // n = 500/s × (0.001 s × n + 0.01 s)  ⇒  n = 5 + n/2  ⇒  n = 10
    expect(recordsPerBatch(500, 1000, 0, 0.001, 0.01)).toBeCloseTo(10, 9);
    // A partition that cannot keep up (2,000/s × 1 ms ≥ 1) runs full batches.
    expect(recordsPerBatch(2000, 100, 0, 0.001, 0.01)).toBe(100);
    // Slow arrivals: one record per batch at least.
    expect(recordsPerBatch(1, 100, 0, 0.001, 0.01)).toBe(1);
  });

  it('gives a function above 1 vCPU no more speed: one Node.js thread', () => {
    // Act: 2,048 MB is 2 vCPU at 1,024 MB per vCPU, but the handler's 100 µs stay 100 µs.
    const big = flowCost({ ...flow, memoryMb: 2048 }, 1000, book());
    const small = flowCost({ ...flow, memoryMb: 1024 }, 1000, book());
    // Assess: same time per batch, twice the memory billed.
    expect(big.gbSecondsPerSec).toBeCloseTo(2 * small.gbSecondsPerSec, 12);
  });

  it('prices Data Firehose per GB: ingestion plus Parquet conversion to S3, plus VPC delivery to OpenSearch', () => {
    // 1,024 records/s of 1 MiB = 1 GB/s (1 MiB is 204.8 steps of 5 KB: converted as 205 steps, 1,049,600 B).
    // S3: 1 × $0.055 + (1,049,600 / 1,048,576) × $0.018; OpenSearch: 1 × ($0.055 + $0.01) + 2 AZ × $0.01 / 3600
    const expected = 0.055 + (1_049_600 / 1_048_576) * 0.018 + 0.065 + 0.02 / 3600;
    expect(firehosePerSecond(1024, 1024 * 1024, book())).toBeCloseTo(expected, 12);
  });

  it('bills Firehose format conversion in 5 KB steps per record, so small records convert as 5 KB', () => {
    // 1,048,576 records/s of 619 B: ingestion on the bytes (619 MiB/s = 0.6045 GB/s at 1 GB = 1,073,741,824 B);
    // conversion on 5,120 B each (5 GiB/s) × $0.018 = $0.09; OpenSearch 0.6045 × $0.065 + 2 AZ × $0.01 / 3600.
    const gb = 619 / 1024;
    const expected = gb * 0.055 + 5 * 0.018 + gb * 0.065 + 0.02 / 3600;
    expect(firehosePerSecond(1024 * 1024, 619, book())).toBeCloseTo(expected, 12);
  });

  it('sizes MSK Connect by MB/s per MCU, one MCU at least, two connectors', () => {
    expect(mskConnectMcus(100_000, book())).toBe(1); // 0.1 MB/s
    expect(mskConnectMcus(6_000_000, book())).toBe(2); // 6 MB/s over 5 MB/s per MCU
    // 1,000/s × 6,000 B = 6 MB/s: 2 connectors × 2 MCU × $0.11 per hour
    expect(mskConnectPerSecond(1000, 6000, book())).toBeCloseTo(0.44 / 3600, 15);
  });

  it('sizes Kafka Streams in 1 vCPU / 2 GB Fargate tasks from records/s per vCPU', () => {
    // 30,000/s over 20,000/s per vCPU at most half busy: ceil(30,000 / 10,000) = 3 tasks
    expect(kafkaStreamsTasks(30_000, book())).toBe(3);
    expect(kafkaStreamsTasks(1, book())).toBe(1);
    expect(kafkaStreamsPerSecond(30_000, book())).toBeCloseTo((3 * (0.03238 + 2 * 0.00356)) / 3600, 15);
  });

  it('refuses to price what has no price: provisioned pollers without an event poller unit price', () => {
    // Act
    const priced = () => flowCost({ ...flow, minimumPollers: 2 }, 1000, book());
    // Assess
    expect(priced).toThrow(ConfigError);
    expect(priced).toThrow(/^bench\/prices\.json\.prices\.lambdaEventPollerUnitHour: has no price/);
    // With a price: 2 pollers are 0.2 of an EPU (10 pollers each) × $0.36 an hour = $0.00002 a second.
    const withPrice = flowCost(
      { ...flow, minimumPollers: 2 },
      1000,
      book({ lambdaEventPollerUnitHour: 0.36 }),
    );
    expect(withPrice.perSecond.pollers).toBeCloseTo(0.00002, 15);
  });
});

describe('the price file', () => {
  it('names a source for every price and says whether it was confirmed', () => {
    // Act
    const file = parsePrices(JSON.parse(readFileSync(join(projectRoot, 'bench', 'prices.json'), 'utf8')));
    // Assess
    expect(file.region).toBe('us-east-1');
    for (const price of Object.values(file.prices))
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it('fails at load time naming the entry that is wrong', () => {
    // Prepare
    const file = JSON.parse(readFileSync(join(projectRoot, 'bench', 'prices.json'), 'utf8'));
    file.prices.s3Put.usd = 'cheap';
    // Act
    const parse = () => parsePrices(file);
    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/^bench\/prices\.json\.prices\.s3Put\.usd: /);
  });
});
