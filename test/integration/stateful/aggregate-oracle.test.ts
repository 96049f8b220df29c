import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCase } from '../../support/stateful/generate.ts';
import {
  type Implementation,
  implementationUnderTest,
  referenceModel,
} from '../../support/stateful/implementations.ts';
import { type KafkaStreamsOracle, startOracle } from '../../support/stateful/oracle.ts';
import { aggregateDifferences } from './compare.ts';
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

  /** The property: for each generated case, the implementation answers what Kafka Streams answers. */
  const agreesWithKafkaStreams = async (implementation: Implementation) => {
    const started = performance.now();
    let skipped = 0;
    await fc.assert(
      fc.asyncProperty(aggregateCase(), async ({ spec, records, deliveries }) => {
        if (!implementation.windowTypes.includes(spec.window.type)) {
          skipped++;
          fc.pre(false);
        }
        // Act
        const expected = await oracle.aggregate(spec, records);
        const actual = await implementation.aggregate(spec, deliveries);
        // Assess
        const lateSubset = implementation.late === 'every-window' && spec.window.type === 'hopping';
        const options = { lateSubset, droppedButEmitted: implementation.droppedButEmitted };
        expect(aggregateDifferences(actual, expected, options), implementation.name).toEqual([]);
      }),
      { numRuns: runs, maxSkipsPerRun: 10 },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `stateful oracle: ${implementation.name}, ${runs} aggregation cases (${skipped} skipped) in ${seconds} s`,
    );
  };

  it(`emits the window results and late records Kafka Streams emits, for ${runs} generated sequences with replays`, async () => {
    // Prepare: specs (tumbling, hopping; grace; count/sum/min/max/avg; 1-3 partitions) and records out of order
    // within grace, late ones, delivered in batches that come again whole, bisected, rewound or failed after
    // their state writes. Act and Assess per case, against Sluice's step with its state in dynalite.
    await agreesWithKafkaStreams(underTest);
  }, 600_000);

  it(`has a reference model that agrees with Kafka Streams on ${runs} sequences, sessions included (the harness)`, async () => {
    await agreesWithKafkaStreams(referenceModel());
  }, 300_000);

  it('finds a model that counts a replayed record again', async () => {
    // Prepare
    const broken = fc.asyncProperty(aggregateCase(), async ({ spec, records, deliveries }) => {
      const expected = await oracle.aggregate(spec, records);
      expect(aggregateDifferences(modelAggregate(spec, deliveries, { unfenced: true }), expected)).toEqual(
        [],
      );
    });
    // Act
    const result = await fc.check(broken, { numRuns: runs });
    // Assess
    expect(result.failed).toBe(true);
  }, 300_000);

  it('finds a model that ignores grace', async () => {
    // Prepare
    const broken = fc.asyncProperty(aggregateCase(), async ({ spec, records, deliveries }) => {
      const expected = await oracle.aggregate(spec, records);
      expect(aggregateDifferences(modelAggregate(spec, deliveries, { noGrace: true }), expected)).toEqual([]);
    });
    // Act
    const result = await fc.check(broken, { numRuns: runs });
    // Assess
    expect(result.failed).toBe(true);
  }, 300_000);
});
