import { appendFileSync } from 'node:fs';
import type { Consumer, Kafka } from 'kafkajs';
import { compileFilterCriteria, type EventRecordMatcher } from '../../shared/filter/index.ts';
import { PartitionBuffer } from './batcher.ts';
import type { MappingConfig } from './config.ts';
import { type DeliveryCounters, type DeliveryPorts, deliverBatch, newCounters } from './deliver.ts';
import { type FetchedRecord, fetchedHeaders, fetchedRecord, toEventRecord } from './event.ts';

export interface MappingPorts {
  readonly kafka: Kafka;
  invoke: DeliveryPorts['invoke'];
  sendToDestination: DeliveryPorts['sendToDestination'];
  /** Called after each delivered batch, for progress display. */
  onProgress?(): void;
}

/**
 * A mapping's figures: AWS's mapping metrics by their CloudWatch names and meanings (`shared/mapping-metrics.ts`;
 * `SchemaRegistryErrorCount` stays 0, the emulator reads no registry), and the emulator's own in lower case.
 */
export interface MappingStats extends DeliveryCounters {
  /** Records fetched from the topic; a record fetched again after a group (re)join counts again. */
  PolledEventCount: number;
  /** Records the FilterCriteria dropped before invoking. */
  FilteredOutEventCount: number;
  /** How far commits moved the committed offsets, summed over partitions. */
  CommittedEventCount: number;
  /** Crashes of the consumer's fetch loop (kafkajs restarts it). */
  PollingErrorCount: number;
  /** Failed attempts to hand records to the on-failure destination (each is retried). */
  OnFailureDestinationDeliveryErrorCount: number;
  /** Failed commit attempts (each is retried). */
  CommitErrorCount: number;
  /** Next offset to read, per partition, as committed. */
  committed: Record<number, number>;
  /** Each partition's latest offset (high watermark) at its last fetch. */
  latest: Record<number, number>;
}

/** `MaxOffsetLag` and `SumOffsetLag` (AWS's `KafkaMetrics`): latest minus committed offset, over partitions. */
export interface OffsetLag {
  readonly MaxOffsetLag: number;
  readonly SumOffsetLag: number;
}

/**
 * SLUICE_ESM_TRACE=<file> appends one line per invocation (flow, partition, records, start, duration, outcome):
 * where the benchmark's wall time goes. Off by default.
 */
const trace = process.env.SLUICE_ESM_TRACE;
const traced = async (
  flow: string,
  records: readonly FetchedRecord[],
  invoke: DeliveryPorts['invoke'],
): Promise<Awaited<ReturnType<DeliveryPorts['invoke']>>> => {
  const start = Date.now();
  const outcome = await invoke(records);
  const first = records[0] as FetchedRecord;
  appendFileSync(
    trace as string,
    `${JSON.stringify({ flow, partition: first.partition, records: records.length, start, ms: Date.now() - start, ok: outcome.ok, age: start - first.timestamp })}\n`,
  );
  return outcome;
};

/** Thrown out of a retry wait when the mapping stops: the batch stays uncommitted and is re-read next start. */
class Stopped extends Error {}

/** Buffered data above which a partition is paused: at most one batch in flight, a few more waiting. */
const pauseAboveBytes = 16 * 1024 * 1024;

/**
 * An emulated Kafka event-source mapping: one consumer group, batches per partition, at most one batch in flight
 * per partition (partitions in parallel), FilterCriteria before invocation, commit only after success.
 */
export class EventSourceMapping {
  readonly stats: MappingStats = {
    ...newCounters(),
    PolledEventCount: 0,
    FilteredOutEventCount: 0,
    CommittedEventCount: 0,
    PollingErrorCount: 0,
    OnFailureDestinationDeliveryErrorCount: 0,
    CommitErrorCount: 0,
    committed: {},
    latest: {},
  };
  /** The first offset fetched per partition: where the group stood before this mapping's first commit. */
  private readonly startOffsets = new Map<number, number>();
  private consumer: Consumer | undefined;
  private readonly buffers = new Map<number, PartitionBuffer>();
  private readonly wakeups = new Map<number, () => void>();
  private readonly loops = new Map<number, Promise<void>>();
  private readonly paused = new Set<number>();
  private running = false;
  /** The same FilterCriteria evaluator Lambda's poller applies, compiled once. */
  private readonly passesFilter: EventRecordMatcher;
  private readonly stopping = new AbortController();

  constructor(
    readonly config: MappingConfig,
    private readonly ports: MappingPorts,
  ) {
    this.passesFilter = compileFilterCriteria(config.filterCriteria);
  }

  async start(): Promise<void> {
    const { kafka } = this.ports;
    const { topic, consumerGroup } = this.config;
    await this.applyStartingTimestamp();
    this.consumer = kafka.consumer({
      groupId: consumerGroup,
      maxWaitTimeInMs: Math.min(Math.max(this.config.batchingWindowMs, 10), 500),
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: 10 },
    });
    // After any (re)join — a broker restart, a crash kafkajs recovered from — fetching restarts at the committed
    // offsets, so what the buffers hold would be delivered twice: drop it.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      for (const buffer of this.buffers.values()) buffer.clear();
    });
    this.consumer.on(this.consumer.events.CRASH, () => {
      this.stats.PollingErrorCount++;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: this.config.startingPosition !== 'LATEST' });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch, resolveOffset }) => {
        const now = Date.now();
        const buffer = this.bufferFor(batch.partition);
        this.stats.latest[batch.partition] = Number(batch.highWatermark);
        const first = batch.messages[0];
        if (first && !this.startOffsets.has(batch.partition))
          this.startOffsets.set(batch.partition, Number(first.offset));
        for (const message of batch.messages) {
          const record = {
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(message.offset),
            timestamp: Number(message.timestamp),
            key: message.key,
            value: message.value,
            headers: fetchedHeaders(message.headers),
          };
          buffer.push(fetchedRecord(record), now);
          this.stats.PolledEventCount++;
          // Resolved means "fetched": the next fetch continues after it. Only a commit makes it consumed.
          resolveOffset(message.offset);
        }
        if (buffer.bufferedBytes > pauseAboveBytes || buffer.size > this.config.batchSize * 20) {
          this.paused.add(batch.partition);
          this.consumer?.pause([{ topic, partitions: [batch.partition] }]);
        }
        this.wakeups.get(batch.partition)?.();
      },
    });
  }

  /** AT_TIMESTAMP applies only to a group with no committed offsets: an existing group wins, as in AWS. */
  private async applyStartingTimestamp(): Promise<void> {
    const { startingPosition, startingPositionTimestamp, topic, consumerGroup } = this.config;
    if (startingPosition !== 'AT_TIMESTAMP' || startingPositionTimestamp === undefined) return;
    const admin = this.ports.kafka.admin();
    await admin.connect();
    try {
      const [existing] = await admin.fetchOffsets({ groupId: consumerGroup, topics: [topic] });
      if (existing?.partitions.some((p) => Number(p.offset) >= 0)) return;
      const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, startingPositionTimestamp);
      await admin.setOffsets({ groupId: consumerGroup, topic, partitions });
    } finally {
      await admin.disconnect();
    }
  }

  /** The consumer group's lag as of each partition's last fetch. */
  offsetLag(): OffsetLag {
    let max = 0;
    let sum = 0;
    for (const [key, latest] of Object.entries(this.stats.latest)) {
      const partition = Number(key);
      const committed = this.stats.committed[partition] ?? this.startOffsets.get(partition) ?? latest;
      const lag = Math.max(0, latest - committed);
      max = Math.max(max, lag);
      sum += lag;
    }
    return { MaxOffsetLag: max, SumOffsetLag: sum };
  }

  private bufferFor(partition: number): PartitionBuffer {
    let buffer = this.buffers.get(partition);
    if (!buffer) {
      buffer = new PartitionBuffer(this.config.batchSize, this.config.batchingWindowMs);
      this.buffers.set(partition, buffer);
      this.loops.set(partition, this.partitionLoop(partition, buffer));
    }
    return buffer;
  }

  /** One loop per partition: wait for a due batch, deliver it, repeat. Delivery is sequential per partition. */
  private async partitionLoop(partition: number, buffer: PartitionBuffer): Promise<void> {
    const { topic } = this.config;
    while (this.running) {
      const due = buffer.dueInMs(Date.now());
      if (due === undefined || due > 0) {
        await new Promise<void>((resolve) => {
          const timer = due === undefined ? undefined : setTimeout(resolve, due);
          this.wakeups.set(partition, () => {
            if (timer) clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      // Records at or after the committed offset only: an in-flight batch may have covered re-fetched ones.
      const committed = this.stats.committed[partition] ?? -1;
      const batch = buffer.take(Date.now()).filter((r) => r.offset >= committed);
      if (batch.length === 0) continue;
      try {
        await this.deliver(partition, batch);
      } catch (error) {
        if (error instanceof Stopped) return;
        throw error;
      }
      if (this.paused.has(partition) && buffer.bufferedBytes < pauseAboveBytes / 2) {
        this.paused.delete(partition);
        this.consumer?.resume([{ topic, partitions: [partition] }]);
      }
      this.ports.onProgress?.();
    }
  }

  private async deliver(partition: number, batch: FetchedRecord[]): Promise<void> {
    const { filterCriteria, topic } = this.config;
    const commit = async (nextOffset: number) => {
      if (!this.consumer) return;
      // A commit can fail while the broker restarts or the group rebalances: retry until it lands, so a
      // delivered batch is not delivered again for want of a commit.
      for (let attempt = 0; ; attempt++) {
        try {
          await this.consumer.commitOffsets([{ topic, partition, offset: String(nextOffset) }]);
          const before = this.stats.committed[partition] ?? this.startOffsets.get(partition) ?? nextOffset;
          this.stats.CommittedEventCount += Math.max(0, nextOffset - before);
          this.stats.committed[partition] = Math.max(before, nextOffset);
          return;
        } catch (error) {
          this.stats.CommitErrorCount++;
          if (attempt >= 60) throw error;
          await this.sleep(Math.min(100 * 2 ** attempt, 2_000));
        }
      }
    };
    // FilterCriteria: records matching no pattern never reach the function, but their offsets advance.
    const matching = filterCriteria ? batch.filter((r) => this.passesFilter(toEventRecord(r))) : batch;
    this.stats.FilteredOutEventCount += batch.length - matching.length;
    if (matching.length === 0) {
      await commit((batch[batch.length - 1] as FetchedRecord).offset + 1);
      return;
    }
    const ports: DeliveryPorts = {
      invoke: trace
        ? (records) => traced(this.config.functionName, records, this.ports.invoke)
        : (records) => this.ports.invoke(records),
      commit,
      sendToDestination: (records, reason) => this.sendToDestination(records, reason),
      sleep: (ms) => this.sleep(ms),
      nowMs: Date.now,
    };
    await deliverBatch(matching, this.config, ports, this.stats);
    // Filtered records after the last matching one still need their offsets committed.
    await commit((batch[batch.length - 1] as FetchedRecord).offset + 1);
  }

  /**
   * Hands records to the on-failure destination, retrying until it takes them (a broker or S3 server restart):
   * the partition waits, uncommitted, rather than moving past records that were kept nowhere.
   */
  private async sendToDestination(
    records: readonly FetchedRecord[],
    reason: Parameters<DeliveryPorts['sendToDestination']>[1],
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ports.sendToDestination(records, reason);
        return;
      } catch (error) {
        this.stats.OnFailureDestinationDeliveryErrorCount++;
        if (attempt >= 60) throw error;
        await this.sleep(Math.min(100 * 2 ** attempt, 5_000));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping.signal.aborted) return reject(new Stopped());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      const timer = setTimeout(() => {
        this.stopping.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.stopping.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops fetching, lets in-flight invocations finish, and leaves the group. Buffered, uncommitted records are re-read on the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    for (const wake of this.wakeups.values()) wake();
    await Promise.allSettled(this.loops.values());
    await this.consumer?.disconnect();
  }
}
