/**
 * The stateful implementation the oracle property tests (test/integration/stateful/) hold against Kafka Streams.
 *
 * Today it is the reference model of Kafka Streams' semantics in TypeScript (a model, not Sluice), which proves
 * the harness. To test Sluice, return the real steps here instead, e.g.
 * `{ aggregate: aggregateUnderTest.aggregate, join: joinUnderTest.join }` from ./aggregate-under-test.ts and
 * ./join-under-test.ts (state in dynalite); the tests need no other change.
 */
import { modelAggregate } from '../../integration/stateful/model/aggregate.ts';
import { modelJoin } from '../../integration/stateful/model/join.ts';
import type { StatefulUnderTest } from './contract.ts';

export interface Implementation extends StatefulUnderTest {
  /** What the property tests name in their titles and failure messages. */
  readonly name: string;
  /** Releases what the implementation holds (tables, clients); called once after a test file. */
  close?(): Promise<void>;
}

/** Called once per test file, before its first case. */
export const implementationUnderTest = async (): Promise<Implementation> => ({
  name: 'the reference model of Kafka Streams (a model, not Sluice)',
  aggregate: async (spec, deliveries) => modelAggregate(spec, deliveries),
  join: async (spec, deliveries) => modelJoin(spec, deliveries),
});
