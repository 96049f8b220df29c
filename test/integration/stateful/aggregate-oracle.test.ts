import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregateAnswer, AggregateSpec } from '../../support/stateful/contract.ts';
import { aggregateCase, type StatefulCase } from '../../support/stateful/generate.ts';
import {
  type Implementation,
  implementationUnderTest,
  referenceModel,
} from '../../support/stateful/implementations.ts';
import { type KafkaStreamsOracle, startOracle } from '../../support/stateful/oracle.ts';
import { aggregateDifferences, agreesWithKafkaStreams, findsDisagreement } from './compare.ts';
import { modelAggregate } from './model/aggregate.ts';

/** Generated sequences per run; CI keeps the default. */
const runs = Number(process.env.SLUICE_STATEFUL_RUNS ?? 500);

describe('windowed aggregation against Kafka Streams (TopologyTestDriver)', () => {
  let oracle: KafkaStreamsOracle;
  let underTest: Implementation;
  beforeAll(async () => {
    oracle = startOracle();
    underTest = await implementationUnderTest();
  });
  afterAll(async () => {
    await underTest?.close?.();
    await oracle?.close();
  });

  const askKafkaStreams = ({ spec, records }: StatefulCase<AggregateSpec>) => oracle.aggregate(spec, records);

  /** The property: for each generated case, the implementation answers what Kafka Streams answers. */
  const agrees = (implementation: Implementation) =>
    agreesWithKafkaStreams<AggregateSpec, AggregateAnswer>({
      cases: aggregateCase(),
      runs,
      label: `${implementation.name}, ${runs} aggregation cases`,
      skip: (spec) => !implementation.windowTypes.includes(spec.window.type),
      expected: askKafkaStreams,
      actual: ({ spec, deliveries }) => implementation.aggregate(spec, deliveries),
      differences: (actual, expected, spec) =>
        aggregateDifferences(actual, expected, {
          lateSubset: implementation.late === 'every-window' && spec.window.type === 'hopping',
          droppedButEmitted: implementation.droppedButEmitted,
        }),
    });

  it(`emits the window results and late records Kafka Streams emits, for ${runs} generated sequences with replays`, async () => {
    // Prepare: specs (tumbling, hopping, session; grace; count/sum/min/max/avg; 1-3 partitions) and records out
    // of order within grace, late ones, delivered in batches that come again whole, bisected, rewound or failed
    // after their state writes. Act and Assess per case, against Sluice's step with its state in dynalite.
    await agrees(underTest);
  }, 900_000);

  it(`has a reference model that agrees with Kafka Streams on ${runs} sequences, sessions included (the harness)`, async () => {
    await agrees(referenceModel());
  }, 300_000);

  it('finds a model that counts a replayed record again', async () => {
    // Prepare, Act
    const found = await findsDisagreement({
      cases: aggregateCase(),
      runs,
      expected: askKafkaStreams,
      actual: ({ spec, deliveries }) => modelAggregate(spec, deliveries, { unfenced: true }),
      differences: aggregateDifferences,
    });
    // Assess
    expect(found).toBe(true);
  }, 300_000);

  it('finds a model that ignores grace', async () => {
    // Prepare, Act
    const found = await findsDisagreement({
      cases: aggregateCase(),
      runs,
      expected: askKafkaStreams,
      actual: ({ spec, deliveries }) => modelAggregate(spec, deliveries, { noGrace: true }),
      differences: aggregateDifferences,
    });
    // Assess
    expect(found).toBe(true);
  }, 300_000);
});
