/**
 * The cost model: dollars per second of a stream at a given rate, for Sluice's flows and for the alternatives a
 * user would price. Pure arithmetic on measured inputs and the price book; bench/cost.ts measures, this prices.
 */
import { need, type PriceBook } from './prices.ts';

export const SECONDS_PER_MONTH = 730 * 3600;
const GB = 1024 ** 3;

/** What one flow costs to run, measured or read from the topology; per record unless named per batch. */
export interface FlowInput {
  readonly name: string;
  /** CPU time per record in the function's environment, at one full vCPU. */
  readonly cpuMicrosPerRecord: number;
  readonly memoryMb: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  /** The source topic's partitions as declared (more are added when the rate needs them). */
  readonly partitions: number;
  /** Billed time per batch spent waiting on the network (sends, lookups, writes). */
  readonly ioWaitMsPerBatch: number;
  /** Log bytes the handler writes per batch whatever it held (the EMF documents), Lambda's own lines not included. */
  readonly logBytesPerBatch: number;
  /** Bytes of the summary line a batch prints at the default level when it dead-lettered records (WARN). */
  readonly deadLetterLineBytes: number;
  /** Share of records dead-lettered: a batch of n prints that line with probability 1 − (1 − rate)^n. */
  readonly deadLetterRate: number;
  /** Records the 6 MB invocation payload holds (the mapping cuts a batch there, whatever the batch size). */
  readonly maxRecordsPerInvocation: number;
  /** Lambda's own START/END/REPORT lines are kept (the CDK app drops them unless `sluice:platformLogs`). */
  readonly platformLogs: boolean;
  /** Distinct CloudWatch metrics (name and dimensions) the flow emits. */
  readonly customMetrics: number;
  readonly s3PutsPerBatch: number;
  readonly s3GetsPerBatch: number;
  /**
   * Lookups at steady state: each partition's environment reads every key it uses once per cache TTL, so reads
   * follow partitions and key count, not records.
   */
  readonly dynamodbReadUnitsPerPartitionPerSecond: number;
  readonly dynamodbWriteUnitsPerRecord: number;
  /** Provisioned mode: the mapping's minimum pollers, billed (as a share of an EPU) whether busy or not. */
  readonly minimumPollers?: number;
}

export interface CostItems {
  readonly compute: number;
  readonly requests: number;
  readonly logs: number;
  readonly metrics: number;
  readonly s3: number;
  readonly dynamodb: number;
  readonly pollers: number;
}

export interface FlowCost {
  readonly name: string;
  readonly partitions: number;
  readonly recordsPerBatch: number;
  readonly invocationsPerSec: number;
  readonly gbSecondsPerSec: number;
  /** Dollars per second, by item. */
  readonly perSecond: CostItems;
  readonly dollarsPerSecond: number;
}

const sum = (items: CostItems): number => Object.values(items).reduce((a, b) => a + b, 0);

/** Seconds a function of this memory size is busy per record: CPU time over its vCPU share (at most one core). */
export const busySecondsPerRecord = (cpuMicros: number, memoryMb: number, mbPerVcpu: number): number =>
  (cpuMicros / 1e6) * Math.max(1, mbPerVcpu / memoryMb);

/**
 * Records per batch on one partition at `perPartition` records/s. A batch closes at the batch size or when the
 * window ends; meanwhile the previous batch may still run (one batch in flight per partition), so a batch also
 * holds what arrived during the previous invocation: n = r × max(window, n × busy + fixed), whose solution is
 * the larger of r × window and r × fixed / (1 − r × busy); a partition busier than that runs full batches.
 */
export const recordsPerBatch = (
  perPartition: number,
  batchSize: number,
  windowSeconds: number,
  busyPerRecord: number,
  fixedSecondsPerBatch: number,
): number => {
  const load = perPartition * busyPerRecord;
  const whileRunning =
    load < 1 ? (perPartition * fixedSecondsPerBatch) / (1 - load) : Number.POSITIVE_INFINITY;
  return Math.min(batchSize, Math.max(1, perPartition * windowSeconds, whileRunning));
};

/** A flow at `rate` records/s: partitions added until no partition's function is busier than the target. */
export const flowCost = (flow: FlowInput, rate: number, book: PriceBook): FlowCost => {
  const a = book.assume;
  const busy = busySecondsPerRecord(flow.cpuMicrosPerRecord, flow.memoryMb, a.lambdaMbPerVcpu);
  const ioSeconds = flow.ioWaitMsPerBatch / 1000;
  // At full batches a partition carries batchSize records per (busy + io) seconds.
  const batchSize = Math.min(flow.batchSize, flow.maxRecordsPerInvocation);
  const perPartitionCapacity = batchSize / (batchSize * busy + ioSeconds);
  const partitions = Math.max(flow.partitions, Math.ceil(rate / (a.busyTarget * perPartitionCapacity)));
  const n = recordsPerBatch(
    rate / partitions,
    batchSize,
    flow.batchingWindowMs / 1000,
    busy,
    ioSeconds + a.invokeOverheadMs / 1000,
  );
  const invocationsPerSec = rate / n;
  const gbSecondsPerSec = invocationsPerSec * (flow.memoryMb / 1024) * (n * busy + ioSeconds);
  const platformBytes = flow.platformLogs ? a.platformLogBytesPerInvocation : 0;
  const deadLetterLine = flow.deadLetterLineBytes * (1 - (1 - flow.deadLetterRate) ** n);
  const logBytesPerSec = invocationsPerSec * (flow.logBytesPerBatch + deadLetterLine + platformBytes);
  const perSecond: CostItems = {
    compute: gbSecondsPerSec * need(book, 'lambdaArmGbSecond'),
    requests: invocationsPerSec * need(book, 'lambdaRequest'),
    logs: (logBytesPerSec / GB) * need(book, 'cloudwatchLogsIngestionGb'),
    metrics: (flow.customMetrics * need(book, 'cloudwatchCustomMetricMonth')) / SECONDS_PER_MONTH,
    s3:
      invocationsPerSec *
      (flow.s3PutsPerBatch * (flow.s3PutsPerBatch > 0 ? need(book, 's3Put') : 0) +
        flow.s3GetsPerBatch * (flow.s3GetsPerBatch > 0 ? need(book, 's3Get') : 0)),
    dynamodb:
      (flow.dynamodbReadUnitsPerPartitionPerSecond > 0
        ? partitions * flow.dynamodbReadUnitsPerPartitionPerSecond * need(book, 'dynamodbReadUnit')
        : 0) +
      (flow.dynamodbWriteUnitsPerRecord > 0
        ? rate * flow.dynamodbWriteUnitsPerRecord * need(book, 'dynamodbWriteUnit')
        : 0),
    pollers: flow.minimumPollers
      ? ((flow.minimumPollers / a.kafkaPollersPerEpu) * need(book, 'lambdaEventPollerUnitHour')) / 3600
      : 0,
  };
  return {
    name: flow.name,
    partitions,
    recordsPerBatch: n,
    invocationsPerSec,
    gbSecondsPerSec,
    perSecond,
    dollarsPerSecond: sum(perSecond),
  };
};

export const perMillion = (dollarsPerSecond: number, rate: number): number => (dollarsPerSecond / rate) * 1e6;
export const perMonth = (dollarsPerSecond: number): number => dollarsPerSecond * SECONDS_PER_MONTH;

/**
 * Amazon Data Firehose reading the enriched topic from MSK: one stream to S3 (JSON converted to Parquet, as a lake
 * wants) and one to an OpenSearch domain in a VPC. It delivers; it does not cleanse or enrich.
 */
/** Firehose bills format conversion per record in steps of 5 KB. */
export const FIREHOSE_CONVERSION_INCREMENT = 5 * 1024;

export const firehosePerSecond = (rate: number, deliveredBytes: number, book: PriceBook): number => {
  const gbPerSec = (rate * deliveredBytes) / GB;
  // Format conversion is billed per GB in 5 KB increments per record (a 3 KB record counts as 5 KB); MSK-sourced
  // ingestion has no such rounding (AWS's Firehose pricing page).
  const convertedGbPerSec =
    (rate * Math.ceil(deliveredBytes / FIREHOSE_CONVERSION_INCREMENT) * FIREHOSE_CONVERSION_INCREMENT) / GB;
  const toS3 =
    gbPerSec * need(book, 'firehoseMskIngestionGb') +
    convertedGbPerSec * need(book, 'firehoseFormatConversionGb');
  const toSearch =
    gbPerSec * (need(book, 'firehoseMskIngestionGb') + need(book, 'firehoseVpcDeliveryGb')) +
    (book.assume.firehoseVpcAzs * need(book, 'firehoseVpcAzHour')) / 3600;
  return toS3 + toSearch;
};

/** MCUs one sink connector needs for `bytesPerSec` (at least one worker of 1 MCU). */
export const mskConnectMcus = (bytesPerSec: number, book: PriceBook): number =>
  Math.max(1, Math.ceil(bytesPerSec / (book.assume.mskConnectMbPerSecPerMcu * 1e6)));

/** MSK Connect: the S3 sink and the OpenSearch sink connectors, each sized for the stream, billed per MCU-hour. */
export const mskConnectPerSecond = (rate: number, deliveredBytes: number, book: PriceBook): number =>
  (2 * mskConnectMcus(rate * deliveredBytes, book) * need(book, 'mskConnectMcuHour')) / 3600;

/** Fargate tasks (1 vCPU, 2 GB) a Kafka Streams application needs at `rate`, each at most `busyTarget` busy. */
export const kafkaStreamsTasks = (rate: number, book: PriceBook): number =>
  Math.max(1, Math.ceil(rate / (book.assume.kafkaStreamsRecordsPerSecPerVcpu * book.assume.busyTarget)));

/** A Kafka Streams application (cleanse + enrich) on Fargate ARM: the processing only, no delivery. */
export const kafkaStreamsPerSecond = (rate: number, book: PriceBook): number =>
  (kafkaStreamsTasks(rate, book) * (need(book, 'fargateArmVcpuHour') + 2 * need(book, 'fargateArmGbHour'))) /
  3600;
