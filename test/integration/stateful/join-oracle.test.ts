import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinCase } from '../../support/stateful/generate.ts';
import { type Implementation, implementationUnderTest } from '../../support/stateful/implementations.ts';
import { type KafkaStreamsOracle, startOracle } from '../../support/stateful/oracle.ts';
import { joinDifferences } from './compare.ts';
import { modelJoin } from './model/join.ts';

/** Generated sequences per run; CI keeps the default. */
const runs = Number(process.env.SLUICE_STATEFUL_RUNS ?? 500);

describe('stream-stream join against Kafka Streams (TopologyTestDriver)', () => {
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

  it(`emits the pairs and late records Kafka Streams emits, for ${runs} generated sequences with replays`, async () => {
    // Prepare: inner, left and outer joins (before, after, grace; 1-3 partitions) over two sides whose records
    // come out of order, some too late for the other side's store, in batches delivered again, bisected, rewound.
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(joinCase(), async ({ spec, records, deliveries }) => {
        // Act
        const expected = await oracle.join(spec, records);
        const actual = await underTest.join(spec, deliveries);
        // Assess
        expect(joinDifferences(actual, expected), underTest.name).toEqual([]);
      }),
      { numRuns: runs },
    );
    console.log(
      `stateful oracle: ${runs} join cases in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  it('finds a model that joins a replayed record again', async () => {
    // Prepare
    const broken = fc.asyncProperty(joinCase(), async ({ spec, records, deliveries }) => {
      const expected = await oracle.join(spec, records);
      expect(joinDifferences(modelJoin(spec, deliveries, { unfenced: true }), expected)).toEqual([]);
    });
    // Act
    const result = await fc.check(broken, { numRuns: runs });
    // Assess
    expect(result.failed).toBe(true);
  }, 300_000);

  it('finds a model that ignores grace', async () => {
    // Prepare
    const broken = fc.asyncProperty(joinCase(), async ({ spec, records, deliveries }) => {
      const expected = await oracle.join(spec, records);
      expect(joinDifferences(modelJoin(spec, deliveries, { noGrace: true }), expected)).toEqual([]);
    });
    // Act
    const result = await fc.check(broken, { numRuns: runs });
    // Assess
    expect(result.failed).toBe(true);
  }, 300_000);
});
