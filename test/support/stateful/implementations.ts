/**
 * The stateful implementations the oracle property tests (test/integration/stateful/) hold against Kafka Streams:
 * Sluice's real steps (state in dynalite), and the reference model of Kafka Streams' semantics in TypeScript (a
 * model, not Sluice), which proves the harness itself agrees with Kafka Streams.
 */
import { modelAggregate } from '../../integration/stateful/model/aggregate.ts';
import { modelJoin } from '../../integration/stateful/model/join.ts';
import { aggregateUnderTest } from './aggregate-under-test.ts';
import type { JoinSpec, StatefulUnderTest, WindowSpec } from './contract.ts';
import { joinUnderTest } from './join-under-test.ts';

export interface Implementation extends StatefulUnderTest {
  /** What the property tests name in their titles and failure messages. */
  readonly name: string;
  /** The window kinds it implements: generated cases of other kinds are skipped, and the tests say how many. */
  readonly windowTypes: readonly WindowSpec['type'][];
  /** The join types held against Kafka Streams: generated cases of other types are skipped, and counted. */
  readonly joinTypes: readonly JoinSpec['type'][];
  /**
   * When a record is late: `any-window` when dropped from any of its windows (Kafka Streams' dropped-records
   * metric, so a hopping record can count in newer windows and still be "late"), `every-window` only when no window
   * of it is open (Sluice dead-letters a record once, and only if none of its windows took it). With
   * `every-window`, a hopping case's late ids must be a subset of Kafka Streams'.
   */
  readonly late: 'any-window' | 'every-window';
  /**
   * What a record is that Kafka Streams counts in the session it emits and also counts dropped (its session
   * store refuses a merged session ending exactly gap + grace before stream time): `late` as Kafka Streams'
   * metric says, or `counted` (Sluice: in the session, not dead-lettered). See contract.ts `droppedButEmitted`.
   */
  readonly droppedButEmitted: 'late' | 'counted';
  /** Releases what the implementation holds (tables, clients); called once after a test file. */
  close?(): Promise<void>;
}

/** The reference model: agrees with Kafka Streams by construction, or the harness is wrong. */
export const referenceModel = (): Implementation => ({
  name: 'the reference model of Kafka Streams (a model, not Sluice)',
  windowTypes: ['tumbling', 'hopping', 'session'],
  joinTypes: ['inner', 'left', 'outer'],
  late: 'any-window',
  droppedButEmitted: 'late',
  aggregate: async (spec, deliveries) => modelAggregate(spec, deliveries),
  join: async (spec, deliveries) => modelJoin(spec, deliveries),
});

/** Sluice's steps through `runBatch`, state in the local dynalite. Called once per test file. */
export const implementationUnderTest = async (): Promise<Implementation> => ({
  name: "Sluice's aggregate and join steps (state in dynalite)",
  windowTypes: ['tumbling', 'hopping', 'session'],
  joinTypes: ['inner', 'left', 'outer'],
  late: 'every-window',
  droppedButEmitted: 'counted',
  aggregate: aggregateUnderTest(),
  join: joinUnderTest(),
});
