/**
 * The join part of `npm run bench -- stateful`: Sluice's stream–stream join (shared/stateful/join*.ts) in
 * process, both sides' flows through runBatch against dynalite, on two Zipf-keyed streams of the workload
 * (reviews on the left, a second stream on the right, keyed by product, 3 partitions), batches alternating
 * between the sides as two mappings would deliver them. Inner join within one minute either way.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBuilder } from '../shared/testing/kafka-event.ts';
import type { JoinSpec } from '../test/support/stateful/contract.ts';
import { createJoinStateTable, deliver, joinFlows } from '../test/support/stateful/join-under-test.ts';
import { timed } from './floor.ts';
import { round, type WorkloadRecord, workload } from './stateful-workload.ts';

const PARTITIONS = 3;

export const measureJoin = async (
  dynamodb: DynamoDBClient,
  z: { readonly batch: number; readonly products: number; readonly joinRecords?: number },
  made: string[],
) => {
  const perSide = z.joinRecords ?? 2_000;
  const state = await createJoinStateTable(dynamodb, 'bench-join-state');
  made.push(state.name);
  const spec: JoinSpec = {
    kind: 'join',
    type: 'inner',
    beforeMs: 60_000,
    afterMs: 60_000,
    graceMs: 60_000,
    partitions: PARTITIONS,
  };
  const sides = joinFlows(spec, state, 'bench');
  const startTime = Date.UTC(2026, 10, 20);
  const stream = (seed: number) =>
    workload({
      records: perSide,
      products: z.products,
      partitions: PARTITIONS,
      startTime,
      stepMs: 1_000,
      seed,
    });
  const streams = { left: stream(21), right: stream(22) };
  const builders = {
    left: new EventBuilder(sides.topics.left.name, startTime),
    right: new EventBuilder(sides.topics.right.name, startTime),
  };
  const eventOf = (side: 'left' | 'right', records: readonly WorkloadRecord[]) =>
    builders[side].event(
      records.map((r) => ({
        key: r.key,
        value: { id: r.value.reviewId, value: r.value.rating },
        partition: r.partition,
        offset: r.offset,
        timestamp: Date.parse(r.value.createdAt),
      })),
    );
  const events: { side: 'left' | 'right'; event: ReturnType<typeof eventOf> }[] = [];
  for (let i = 0; i < perSide; i += z.batch)
    for (const side of ['left', 'right'] as const)
      events.push({ side, event: eventOf(side, streams[side].slice(i, i + z.batch)) });
  let seconds = 0;
  for (const { side, event } of events)
    seconds += await timed(() => deliver(sides[side], event, dynamodb, false));
  const pairs = sides.left.joined.records.length + sides.right.joined.records.length;
  const recordsPerSec = (2 * perSide) / seconds;
  return {
    recordsPerSec,
    details: {
      recordsPerSide: perSide,
      batchSize: z.batch,
      pairsEmitted: pairs,
      seconds: round(seconds, 2),
      method:
        'inner join within 60 s either way, grace 60 s; both sides’ flows through runBatch against dynalite, batches alternating between the sides; records/s counts both sides’ records',
    },
  };
};
