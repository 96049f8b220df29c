/**
 * The pure parts of `npm run bench -- stateful` (bench/stateful.ts): the seeded record stream (enriched reviews
 * keyed by product, products drawn Zipf-distributed, event time advancing steadily), Lambda events of it, and the
 * results file's shape. No servers, no clock: the unit test holds them.
 */
import type { KafkaEvent, KafkaEventRecord } from '../shared/decode/event.ts';

/** Deterministic PRNG (mulberry32): every run sees the same records. */
export const prng = (seed: number): (() => number) => {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Zipf ranks 0..n-1 (rank k drawn with weight 1 / (k + 1)^s) by inverse CDF and binary search. */
export const zipf = (n: number, random: () => number, s = 1): (() => number) => {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += 1 / k ** s;
    cdf[k - 1] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
};

export interface WorkloadOptions {
  readonly records: number;
  readonly products: number;
  readonly partitions: number;
  /** Event time of the first record (epoch ms). */
  readonly startTime: number;
  /** Event time added per record: with 1 s, an hour's window spans 3,600 records. */
  readonly stepMs: number;
  readonly seed: number;
  /** Offsets per partition continue from here (a later stretch of the same topic). */
  readonly firstOffsets?: readonly number[];
}

/** One record of the repartitioned topic: keyed by product, so the product decides the partition. */
export interface WorkloadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: {
    readonly reviewId: string;
    readonly customerId: string;
    readonly productId: string;
    readonly rating: number;
    readonly title: string;
    readonly createdAt: string;
    readonly product: { readonly productId: string; readonly name: string; readonly category: string };
  };
}

export const productId = (rank: number): string => `p-${String(rank).padStart(4, '0')}`;

/** Enriched reviews as reviews.by-product carries them, event time in order (no late records). */
export const workload = (o: WorkloadOptions): WorkloadRecord[] => {
  const random = prng(o.seed);
  const nextRank = zipf(o.products, random);
  const offsets = [...(o.firstOffsets ?? Array.from({ length: o.partitions }, () => 0))];
  return Array.from({ length: o.records }, (_, i) => {
    const rank = nextRank();
    const product = productId(rank);
    const partition = rank % o.partitions;
    const offset = offsets[partition] ?? 0;
    offsets[partition] = offset + 1;
    return {
      partition,
      offset,
      key: product,
      value: {
        reviewId: `r-${o.seed}-${i}`,
        customerId: `c-${String(Math.floor(random() * 100_000)).padStart(6, '0')}`,
        productId: product,
        rating: 1 + Math.floor(random() * 5),
        title: 'does the job',
        createdAt: new Date(o.startTime + i * o.stepMs).toISOString(),
        product: {
          productId: product,
          name: `Product ${rank}`,
          category: ['kitchen', 'garden'][rank % 2] as string,
        },
      },
    };
  });
};

/** The next offset of each partition after these records (where a following stretch starts). */
export const nextOffsets = (records: readonly WorkloadRecord[], partitions: number): number[] => {
  const next = Array.from({ length: partitions }, () => 0);
  for (const r of records) next[r.partition] = Math.max(next[r.partition] as number, r.offset + 1);
  return next;
};

/** Lambda Kafka events of `batch` records each, grouped by partition in offset order, as the mapping sends them. */
export const kafkaEvents = (
  records: readonly WorkloadRecord[],
  batch: number,
  topic: string,
): KafkaEvent[] => {
  const events: KafkaEvent[] = [];
  for (let start = 0; start < records.length; start += batch) {
    const groups: Record<string, KafkaEventRecord[]> = {};
    for (const r of records.slice(start, start + batch)) {
      const group = `${topic}-${r.partition}`;
      const list = groups[group] ?? [];
      groups[group] = list;
      list.push({
        topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: Date.parse(r.value.createdAt),
        timestampType: 'CREATE_TIME',
        key: Buffer.from(r.key).toString('base64'),
        value: Buffer.from(JSON.stringify(r.value)).toString('base64'),
        headers: [],
      });
    }
    events.push({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/b/x',
      records: groups,
    });
  }
  return events;
};

/** What bench/results/stateful.json holds. */
export interface StatefulResults {
  readonly aggregateRecordsPerSec: number;
  readonly floorRecordsPerSec: number;
  readonly aggregateToFloor: number;
  /** DynamoDB write requests (PutItem, BatchWriteItem, DeleteItem, TransactWriteItems calls) per 1,000 records. */
  readonly stateWritesPer1000: number;
  /** Items those requests wrote or deleted, per 1,000 records. */
  readonly stateItemsWrittenPer1000: number;
  /** BatchGetItem and Query calls per 1,000 records. */
  readonly stateReadsPer1000: number;
  /** Distinct (product, window) pairs per batch, on average: the writes' lower bound at one item each. */
  readonly distinctWindowsPerBatch: number;
  readonly windowsEmitted: number;
  readonly joinRecordsPerSec: number | null;
  readonly kafkaStreamsRecordsPerSec: number | null;
  readonly notMeasured: Readonly<Record<string, string>>;
  readonly targets: {
    readonly stateWritesPer1000AtMost50: boolean;
    readonly aggregateAtLeastHalfFloor: boolean;
  };
  readonly [more: string]: unknown;
}

export const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The results from what was measured: rates, per-1,000 figures and the targets judged from them. */
export const statefulResults = (m: {
  readonly records: number;
  readonly aggregateSeconds: number;
  readonly floorSeconds: number;
  readonly writeRequests: number;
  readonly itemsWritten: number;
  readonly readRequests: number;
  readonly distinctWindows: number;
  readonly batches: number;
  readonly windowsEmitted: number;
  /** Measured in the same run, or why not. */
  readonly joinRecordsPerSec?: number | string;
  readonly kafkaStreamsRecordsPerSec?: number | string;
  readonly extra?: Readonly<Record<string, unknown>>;
}): StatefulResults => {
  const aggregateRecordsPerSec = round(m.records / m.aggregateSeconds);
  const floorRecordsPerSec = round(m.records / m.floorSeconds);
  const per1000 = (n: number) => round((n / m.records) * 1000, 1);
  const stateWritesPer1000 = per1000(m.writeRequests);
  return {
    aggregateRecordsPerSec,
    floorRecordsPerSec,
    aggregateToFloor: round(aggregateRecordsPerSec / floorRecordsPerSec, 3),
    stateWritesPer1000,
    stateItemsWrittenPer1000: per1000(m.itemsWritten),
    stateReadsPer1000: per1000(m.readRequests),
    distinctWindowsPerBatch: round(m.distinctWindows / m.batches, 1),
    windowsEmitted: m.windowsEmitted,
    joinRecordsPerSec: typeof m.joinRecordsPerSec === 'number' ? round(m.joinRecordsPerSec) : null,
    kafkaStreamsRecordsPerSec:
      typeof m.kafkaStreamsRecordsPerSec === 'number' ? round(m.kafkaStreamsRecordsPerSec) : null,
    notMeasured: Object.fromEntries(
      Object.entries({
        joinRecordsPerSec: m.joinRecordsPerSec ?? 'not measured',
        kafkaStreamsRecordsPerSec: m.kafkaStreamsRecordsPerSec ?? 'not measured',
      }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
    targets: {
      stateWritesPer1000AtMost50: stateWritesPer1000 <= 50,
      aggregateAtLeastHalfFloor: aggregateRecordsPerSec >= 0.5 * floorRecordsPerSec,
    },
    ...m.extra,
  };
};
