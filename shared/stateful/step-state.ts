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
