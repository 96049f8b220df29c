import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readState } from '../../../local/services/state.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { aggregate, type WindowResult } from '../../../shared/stateful/aggregate.ts';
import { avg, count, max, min, type Reduction, sum } from '../../../shared/stateful/aggregate-reduce.ts';
import { hopping, session, tumbling, type WindowSpec } from '../../../shared/stateful/window.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TableRef } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';
import { localAws } from '../endpoints.ts';
import type {
  AggregateAnswer,
  AggregateSpec,
  WindowResult as ContractResult,
  Delivery,
  StatefulUnderTest,
} from './contract.ts';
import { createStateTable } from './state-table.ts';

/** The local DynamoDB (dynalite) the integration setup started: the only server stateful tests need. */
export const dynamodbEndpoint = (): string => {
  const endpoint = readState().dynamodb?.endpoint;
  if (!endpoint) throw new Error('dynamodb is not running: start it with npm run servers -- up dynamodb');
  return endpoint;
};

export { createStateTable } from './state-table.ts';

const reductionOf = (name: AggregateSpec['reduce']): Reduction => {
  switch (name) {
    case 'count':
      return count();
    case 'sum':
      return sum('value');
    case 'min':
      return min('value');
    case 'max':
      return max('value');
    case 'avg':
      return avg('value');
  }
};

const windowOf = (window: AggregateSpec['window']): WindowSpec => {
  if (window.type === 'tumbling') return tumbling(window.sizeMs);
  if (window.type === 'hopping') return hopping(window.sizeMs, window.advanceMs);
  return session(window.gapMs);
};

const topics = defineTopics({
  input: { name: 'stateful.input', format: 'json', partitions: 64 },
  results: { name: 'stateful.results', format: 'json', partitions: 64 },
  dead: { name: 'stateful.dlq', format: 'bytes', partitions: 1 },
});

/**
 * `StatefulUnderTest['aggregate']`: the deliveries run one after the other through the real `aggregate` step by
 * `runBatch` (the handler's core), with its state in dynalite. Each call gets state of its own: a fresh
 * aggregation name in one table created on the first call (the items' prefix isolates calls as a fresh table
 * would, without a CreateTable per generated sequence), or a fresh table per call with `freshTable`. Outputs are
 * in memory; a delivery with `failAfterState` has its result output fail (retriably) after the step's state
 * writes, the batch fails whole, and the same records are delivered again, as Lambda retries. Results are
 * deduplicated by key and window start (a re-emission must be identical: anything else throws); late ids are
 * read back from the dead letters' stage header.
 */
export const aggregateUnderTest = (
  options: { readonly endpoint?: string; readonly freshTable?: boolean } = {},
): StatefulUnderTest['aggregate'] => {
  let shared: Promise<TableRef> | undefined;
  let calls = 0;
  return async (spec: AggregateSpec, deliveries: readonly Delivery[]): Promise<AggregateAnswer> => {
    const client = new DynamoDBClient(localAws(options.endpoint ?? dynamodbEndpoint()));
    const fresh = options.freshTable === true;
    if (!fresh) shared ??= createStateTable(client);
    const state = fresh ? await createStateTable(client) : await (shared as Promise<TableRef>);
    const name = `under-test-${++calls}`;
    try {
      const results = memoryTopic(topics.results);
      const dead = memoryTopic(topics.dead);
      const flow = defineFlow({
        name: 'aggregate-under-test',
        source: { topic: topics.input },
        steps: [
          aggregate({
            name,
            state,
            key: 'key',
            window: windowOf(spec.window),
            grace: spec.graceMs,
            reduce: reductionOf(spec.reduce),
          }),
        ],
        outputs: [results],
        deadLetter: dead,
      });
      const deps = { outputFor: (o: OutputSpec) => o.create(), ports: { dynamodb: client }, now: () => 0 };
      const ids = new Map<string, string>();
      for (const delivery of deliveries) {
        const event = kafkaEvent(
          delivery.records.map((r) => {
            ids.set(`${delivery.partition}/${r.offset}`, r.id);
            return {
              topic: topics.input.name,
              partition: delivery.partition,
              offset: r.offset,
              key: r.key,
              timestamp: r.timestamp,
              value: { key: r.key, value: r.value, id: r.id },
            };
          }),
        );
        if (delivery.failAfterState) {
          // Both outputs fail after the step's state writes; a batch that had nothing to write to either
          // succeeds and commits (as it would on Lambda), and its records then come again as a replay.
          const down = new RetriableError('failAfterState: the outputs are down');
          results.output.failWith = down;
          dead.output.failWith = down;
          await runBatch(flow, event, deps).catch((error) => {
            if (!(error instanceof BatchFailedError) || !error.retriable) throw error;
          });
          results.output.failWith = undefined;
          dead.output.failWith = undefined;
        }
        await runBatch(flow, event, deps);
      }

      const byWindow = new Map<string, ContractResult>();
      for (const record of results.output.records) {
        const r = record.value as WindowResult<number>;
        const result: ContractResult = {
          key: r.key,
          windowStart: r.windowStart,
          windowEnd: r.windowEnd,
          value: r.value,
        };
        const id = `${r.key}@${r.windowStart}`;
        const before = byWindow.get(id);
        if (before !== undefined && JSON.stringify(before) !== JSON.stringify(result))
          throw new Error(
            `aggregate under test: window ${id} emitted twice with different results: ${JSON.stringify(before)} then ${JSON.stringify(result)}`,
          );
        byWindow.set(id, result);
      }
      const late: string[] = [];
      for (const record of dead.output.records) {
        if (record.headers[DeadLetterHeader.Stage] !== 'late') continue;
        const id = ids.get(
          `${record.headers[DeadLetterHeader.SourcePartition]}/${record.headers[DeadLetterHeader.SourceOffset]}`,
        );
        if (id !== undefined && !late.includes(id)) late.push(id);
      }
      return { results: [...byWindow.values()], late };
    } finally {
      if (fresh) await client.send(new DeleteTableCommand({ TableName: state.name })).catch(() => undefined);
      client.destroy();
    }
  };
};
