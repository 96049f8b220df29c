import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinSpec } from '../../support/stateful/contract.ts';
import { joinCase, type StatefulCase } from '../../support/stateful/generate.ts';
import {
  type Implementation,
  implementationUnderTest,
  referenceModel,
} from '../../support/stateful/implementations.ts';
import { type KafkaStreamsOracle, startOracle } from '../../support/stateful/oracle.ts';
import { joinDifferences } from './compare.ts';
import { modelJoin } from './model/join.ts';

/** Generated sequences per run; CI keeps the default. */
const runs = Number(process.env.SLUICE_STATEFUL_RUNS ?? 500);
/** A failure's `{ seed, path }` (printed with it) given back replays that case first: SLUICE_STATEFUL_SEED=…:…. */
const [seed, path] = (process.env.SLUICE_STATEFUL_SEED ?? '').split(':');
const replay = seed ? { seed: Number(seed), ...(path ? { path } : {}) } : {};

/** Generated cases that once disagreed, kept as they were printed (`why` says what was wrong). */
const regressions = JSON.parse(
  readFileSync(new URL('./fixtures/join-regressions.json', import.meta.url), 'utf8'),
) as (StatefulCase<JoinSpec> & { why: string })[];

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

  /** The property: for each generated case, the implementation answers what Kafka Streams answers. */
  const agreesWithKafkaStreams = async (implementation: Implementation) => {
    const started = performance.now();
    let skipped = 0;
    await fc.assert(
      fc.asyncProperty(joinCase(), async ({ spec, records, deliveries }) => {
        if (!implementation.joinTypes.includes(spec.type)) {
          skipped++;
          fc.pre(false);
        }
        // Act
        const expected = await oracle.join(spec, records);
        const actual = await implementation.join(spec, deliveries);
        // Assess
        expect(joinDifferences(actual, expected), implementation.name).toEqual([]);
      }),
      // A disagreement is reported at once with its case: shrinking re-runs cases against dynalite for many minutes.
      { numRuns: runs, maxSkipsPerRun: 10, endOnFailure: true, ...replay },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `stateful oracle: ${implementation.name}, ${runs} join cases (${skipped} skipped) in ${seconds} s`,
    );
  };

  it(`emits the pairs and late records Kafka Streams emits, for ${runs} generated sequences with replays`, async () => {
    // Prepare: joins (before, after, grace; 1-3 partitions) over two sides whose records come out of order, some
    // too late for the other side's store, in batches delivered again, bisected, rewound or failed after their
    // state writes. Act and Assess per case, against Sluice's join steps with their state in dynalite.
    await agreesWithKafkaStreams(underTest);
  }, 1_800_000);

  it('agrees with Kafka Streams on the generated cases that once disagreed (fixtures/join-regressions.json)', async () => {
    for (const { why, spec, records, deliveries } of regressions) {
      // Act
      const expected = await oracle.join(spec, records);
      const actual = await underTest.join(spec, deliveries);
      // Assess
      expect(joinDifferences(actual, expected), why).toEqual([]);
    }
  }, 120_000);

  it(`has a reference model that agrees with Kafka Streams on ${runs} sequences, left and outer included (the harness)`, async () => {
    await agreesWithKafkaStreams(referenceModel());
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
