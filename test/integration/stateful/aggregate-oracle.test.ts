import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCase } from '../../support/stateful/generate.ts';
import { type Implementation, implementationUnderTest } from '../../support/stateful/implementations.ts';
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

  it(`emits the window results and late records Kafka Streams emits, for ${runs} generated sequences with replays`, async () => {
    // Prepare: specs (tumbling, hopping, session; grace; count/sum/min/max/avg; 1-3 partitions) and records
    // out of order within grace, late ones, delivered in batches that come again whole, bisected or rewound.
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(aggregateCase(), async ({ spec, records, deliveries }) => {
        // Act
        const expected = await oracle.aggregate(spec, records);
        const actual = await underTest.aggregate(spec, deliveries);
        // Assess
        expect(aggregateDifferences(actual, expected), underTest.name).toEqual([]);
      }),
      { numRuns: runs },
    );
    console.log(
      `stateful oracle: ${runs} aggregation cases in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
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
