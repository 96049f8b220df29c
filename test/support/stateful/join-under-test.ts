import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { readState } from '../../../local/services/state.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import type { KafkaEvent } from '../../../shared/decode/event.ts';
import { RetriableError, type Stage } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { Output, OutputContext } from '../../../shared/outputs/output.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { join } from '../../../shared/stateful/join.ts';
import { EventBuilder } from '../../../shared/testing/kafka-event.ts';
import { defineFlow, type Flow } from '../../../shared/topology/flow.ts';
import {
  defineTables,
  defineTopics,
  type TableRef,
  type TopicRef,
} from '../../../shared/topology/resources.ts';
import { localAws, uniqueName } from '../endpoints.ts';
import type { Delivery, InputRecord, JoinAnswer, JoinPair, JoinSpec, StatefulUnderTest } from './contract.ts';

/** A fresh join-state table (string `pk` and `sk`, as the join step needs), ready for use. */
export const createJoinStateTable = async (
  client: DynamoDBClient,
  prefix = 'join-state',
): Promise<TableRef> => {
  const name = uniqueName(prefix);
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  const { state } = defineTables({ state: { name, partitionKey: 'pk', sortKey: 'sk' } });
  return state;
};

/** An output kept in memory, failing (retriably, as a broker that went away) while `failing` is set. */
class CapturingOutput implements Output {
  readonly records: FlowRecord[] = [];
  failing = false;
  constructor(readonly name: string) {}
  async write(records: readonly FlowRecord[], _context: OutputContext) {
    if (this.failing) throw new RetriableError(`${this.name}: failing after the state writes (test)`);
    this.records.push(...records);
    return { written: records.length, deadLetters: [] };
  }
}

const capture = (topic: TopicRef): OutputSpec<'topic'> & { readonly output: CapturingOutput } => {
  const output = new CapturingOutput(`topic:${topic.name}`);
  return {
    kind: 'topic',
    name: output.name,
    resources: { topics: [topic.name] },
    output,
    create: () => output,
  };
};

/** The two flows of one join (a left and a right side) over fresh topics, each with its own captured outputs. */
export const joinFlows = (spec: JoinSpec, state: TableRef, name = 'under-test') => {
  const topics = defineTopics({
    left: { name: 'join.left', format: 'json', partitions: spec.partitions },
    right: { name: 'join.right', format: 'json', partitions: spec.partitions },
    joined: { name: 'join.out', format: 'json', partitions: spec.partitions, internal: true },
    dead: { name: 'join.dlq', format: 'bytes', partitions: 1, internal: true },
  });
  const side = (s: 'left' | 'right') => {
    const joined = capture(topics.joined);
    const dead = capture(topics.dead);
    const flow: Flow = defineFlow({
      name: `join-${s}`,
      source: { topic: s === 'left' ? topics.left : topics.right },
      steps: [
        join({
          name,
          state,
          side: s,
          other: s === 'left' ? topics.right : topics.left,
          within: { before: spec.beforeMs, after: spec.afterMs },
          grace: spec.graceMs,
          type: spec.type,
          // Generated event times may be anywhere from the epoch on: none is refused as in the future.
          maxFuture: Number.MAX_SAFE_INTEGER,
        }),
      ],
      outputs: [joined],
      deadLetter: dead,
    });
    return { flow, joined: joined.output, dead: dead.output };
  };
  return { topics, left: side('left'), right: side('right') };
};

/** Runs one delivery through its side's flow; a `failing` one fails its outputs after the state writes. */
export const deliver = async (
  side: ReturnType<typeof joinFlows>['left'],
  event: KafkaEvent,
  client: DynamoDBClient,
  failing: boolean,
): Promise<void> => {
  side.joined.failing = failing;
  side.dead.failing = failing;
  const before = { joined: side.joined.records.length, dead: side.dead.records.length };
  try {
    // A failing delivery that had nothing to write succeeds (and commits): its redelivery is then a replay of a
    // delivered batch, which must change nothing either.
    await runBatch(side.flow, event, {
      outputFor: (o) => o.create(),
      ports: { dynamodb: client },
      now: Date.now,
    });
  } catch (error) {
    if (!(failing && error instanceof BatchFailedError && error.retriable)) throw error;
    side.joined.records.length = before.joined;
    side.dead.records.length = before.dead;
  }
};

/** Each input record's value: its id and number, as the pairs name records by id. */
const recordValue = (r: InputRecord) => ({ id: r.id, value: r.value });

/**
 * Sluice's join under test (contract.ts): each delivery runs through the real join step of its side's flow with
 * runBatch, state in one table on the local DynamoDB server (a join of its own per call); a `failAfterState` delivery fails its outputs
 * (retriably) after the step's state writes, so nothing it emitted counts. Pairs are collected as delivered,
 * once per (left, right): a result delivered twice must be the same both times.
 */
export const joinUnderTestAt = (endpoint: string): StatefulUnderTest['join'] => {
  // One table for every call, a join name of its own per call (the state's keys start with it): a CreateTable per
  // generated case would cost its waiter, for the same isolation.
  let table: Promise<TableRef> | undefined;
  let calls = 0;
  return async (spec: JoinSpec, deliveries: readonly Delivery[]): Promise<JoinAnswer> => {
    const client = new DynamoDBClient(localAws(endpoint));
    try {
      table ??= createJoinStateTable(new DynamoDBClient(localAws(endpoint)));
      const state = await table;
      const sides = joinFlows(spec, state, `under-test-${++calls}`);
      const builders = {
        left: new EventBuilder(sides.topics.left.name, 0),
        right: new EventBuilder(sides.topics.right.name, 0),
      };
      for (const delivery of deliveries) {
        const side = delivery.side ?? 'left';
        const event = builders[side].event(
          delivery.records.map((r) => ({
            key: r.key,
            value: recordValue(r),
            partition: r.partition,
            offset: r.offset,
            timestamp: r.timestamp,
          })),
        );
        await deliver(sides[side], event, client, delivery.failAfterState === true);
      }
      const joined = [...sides.left.joined.records, ...sides.right.joined.records];
      const dead = [...sides.left.dead.records, ...sides.right.dead.records];
      return { pairs: pairsOf(joined), late: lateIds(dead) };
    } finally {
      client.destroy();
    }
  };
};

/** The local DynamoDB server (the only one a join needs), as the integration run's global setup left it. */
export const dynamodbEndpoint = (): string => {
  const endpoint = readState().dynamodb?.endpoint;
  if (!endpoint) throw new Error('dynamodb is not running: start it with npm run servers -- up dynamodb');
  return endpoint;
};

/** The join under test against the integration run's DynamoDB server. */
export const joinUnderTest = (): StatefulUnderTest['join'] => joinUnderTestAt(dynamodbEndpoint());

const idOf = (side: unknown): string | null =>
  side === null || side === undefined ? null : String((side as { id: unknown }).id);

/** The emitted pairs, once each; a pair emitted twice must be the same result. */
export const pairsOf = (records: readonly FlowRecord[]): JoinPair[] => {
  const pairs = new Map<string, JoinPair>();
  for (const r of records) {
    const value = r.value as { left: unknown; right: unknown };
    const pair: JoinPair = { key: r.key ?? '', left: idOf(value.left), right: idOf(value.right) };
    const id = `${pair.left}|${pair.right}`;
    const seen = pairs.get(id);
    if (seen && JSON.stringify(seen) !== JSON.stringify(pair))
      throw new Error(
        `pair ${id} emitted twice, differently: ${JSON.stringify(seen)} and ${JSON.stringify(pair)}`,
      );
    pairs.set(id, pair);
  }
  return [...pairs.values()];
};

/** Ids of the records dead-lettered as late (the dead-letter record keeps the original value). */
export const lateIds = (records: readonly FlowRecord[]): string[] => {
  const ids = new Set<string>();
  for (const r of records) {
    if (r.headers[DeadLetterHeader.Stage] !== ('late' satisfies Stage)) continue;
    const original = JSON.parse(r.source.value?.toString('utf8') ?? 'null') as { id?: unknown } | null;
    if (original?.id !== undefined) ids.add(String(original.id));
  }
  return [...ids];
};
