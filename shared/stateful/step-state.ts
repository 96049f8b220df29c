import { dynamoDbClient } from '../clients/dynamodb.ts';
import { MetricName } from '../metrics.ts';
import type { FlowRecord } from '../record.ts';
import type { StepContext } from '../steps/step.ts';
import type { TableRef } from '../topology/resources.ts';
import { metaPk, metaSk } from './state-keys.ts';
import { type Item, type StatePort, StateStore } from './state-store.ts';

/** What a windowed step starts each batch from: its store, the records per partition and each partition's meta item. */
export interface BatchState {
  readonly store: StateStore;
  /** The batch's records per source partition, in batch order. */
  readonly byPartition: ReadonlyMap<number, FlowRecord[]>;
  /** The batch's partitions in ascending order. */
  readonly partitions: readonly number[];
  /** The partitions' meta items (stream time, committed offset), by item id. */
  readonly metas: Map<string, Item>;
}

/**
 * Opens a batch for a windowed step (fixed windows and sessions alike): the state store on the flow's DynamoDB
 * client (an injected one in tests), counting its requests as state reads and writes, and one read of the meta
 * items of the partitions in the batch.
 */
export const openBatchState = async (
  name: string,
  table: TableRef,
  records: readonly FlowRecord[],
  context: StepContext,
): Promise<BatchState> => {
  const client = (context.ports.dynamodb as StatePort | undefined) ?? (await dynamoDbClient());
  const store = new StateStore(client, table, (call) =>
    context.metrics.count(
      call === 'BatchGetItem' || call === 'Query' ? MetricName.StateReads : MetricName.StateWrites,
      1,
    ),
  );
  const byPartition = new Map<number, FlowRecord[]>();
  for (const r of records) {
    const list = byPartition.get(r.source.partition);
    if (list) list.push(r);
    else byPartition.set(r.source.partition, [r]);
  }
  const partitions = [...byPartition.keys()].sort((a, b) => a - b);
  const metas = await store.read(partitions.map((p) => ({ pk: metaPk(name), sk: metaSk(p) })));
  return { store, byPartition, partitions, metas };
};

/** A partition's records split by the committed offset: what a replay brings again is skipped, not applied. */
export interface PartitionRecords {
  /** Each offset's first record, as the batch holds it (dead letters and emissions name their source by it). */
  readonly byOffset: Map<number, FlowRecord>;
  /** The records past the committed offset, in offset order, each offset once. */
  readonly fresh: FlowRecord[];
  /** Records at or below the committed offset, or an offset seen twice: counted as `StateReplaysSkipped`. */
  readonly skipped: number;
}

export const partitionRecords = (
  records: readonly FlowRecord[],
  committed: number,
  context: StepContext,
): PartitionRecords => {
  const byOffset = new Map<number, FlowRecord>();
  const fresh: FlowRecord[] = [];
  let skipped = 0;
  let last = committed;
  for (const record of records.slice().sort((a, b) => a.source.offset - b.source.offset)) {
    const offset = record.source.offset;
    if (!byOffset.has(offset)) byOffset.set(offset, record);
    if (offset <= last) {
      // Committed before (a replay from an earlier offset), or the same offset twice in one batch.
      skipped++;
      context.metrics.count(MetricName.StateReplaysSkipped, 1);
      continue;
    }
    last = offset;
    fresh.push(record);
  }
  return { byOffset, fresh, skipped };
};
