import { EVENT_OVERHEAD_BYTES, type FetchedRecord, MAX_PAYLOAD_BYTES } from './event.ts';

/**
 * One partition's fetched-but-not-invoked records. A batch is cut when it reaches the batch size, when adding
 * the next record would pass the 6 MB payload limit, or when the oldest buffered record has waited a window.
 */
export class PartitionBuffer {
  private records: FetchedRecord[] = [];
  private bytes = 0;
  private firstArrivalMs = 0;

  constructor(
    private readonly batchSize: number,
    private readonly windowMs: number,
    private readonly maxPayloadBytes = MAX_PAYLOAD_BYTES,
  ) {}

  get size(): number {
    return this.records.length;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  push(record: FetchedRecord, nowMs: number): void {
    if (this.records.length === 0) this.firstArrivalMs = nowMs;
    this.records.push(record);
    this.bytes += record.payloadBytes;
  }

  /** Milliseconds until the window closes, 0 when a batch is due now, undefined when empty. */
  dueInMs(nowMs: number): number | undefined {
    if (this.records.length === 0) return undefined;
    if (this.records.length >= this.batchSize || this.bytes + EVENT_OVERHEAD_BYTES >= this.maxPayloadBytes)
      return 0;
    return Math.max(0, this.firstArrivalMs + this.windowMs - nowMs);
  }

  /** Forgets everything buffered (the partition will be fetched again from its committed offset). */
  clear(): void {
    this.records = [];
    this.bytes = 0;
  }

  /** Takes the next batch off the front: up to batch size, under the payload limit, at least one record. */
  take(nowMs: number): FetchedRecord[] {
    let count = 0;
    let bytes = EVENT_OVERHEAD_BYTES;
    while (count < this.records.length && count < this.batchSize) {
      const next = (this.records[count] as FetchedRecord).payloadBytes;
      if (count > 0 && bytes + next > this.maxPayloadBytes) break;
      bytes += next;
      count++;
    }
    const batch = this.records.splice(0, count);
    this.bytes -= bytes - EVENT_OVERHEAD_BYTES;
    // What remains has been waiting since it was fetched: its window starts now at the latest.
    this.firstArrivalMs = nowMs;
    return batch;
  }
}
