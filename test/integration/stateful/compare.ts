/**
 * The oracle property tests' shared parts: answers compared as sets, and the property loop.
 *
 * Answers compared as sets: a result emitted twice with the same content counts once (outputs are at least
 * once, with deterministic keys); a window value within 1e-9 relative (avg divides); late ids as sets.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AggregateAnswer, JoinAnswer, WindowResult } from '../../support/stateful/contract.ts';
import type { StatefulCase } from '../../support/stateful/generate.ts';

const close = (a: number, b: number) =>
  a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

const uniqueSorted = (items: readonly string[]) => [...new Set(items)].sort();

const windowId = (r: WindowResult) => `${r.key} [${r.windowStart}, ${r.windowEnd})`;

/**
 * What differs between two answers for one input. `lateSubset`: the actual late ids need only be among the
 * expected ones (an implementation that calls a record late only when every window of it is closed, against Kafka
 * Streams, which counts a hopping record dropped from any of its windows). `droppedButEmitted: 'counted'`: the
 * oracle's `droppedButEmitted` ids are not expected late (see contract.ts).
 */
export const aggregateDifferences = (
  actual: AggregateAnswer,
  expected: AggregateAnswer,
  options: { readonly lateSubset?: boolean; readonly droppedButEmitted?: 'late' | 'counted' } = {},
): string[] => {
  const counted = new Set(options.droppedButEmitted === 'counted' ? (expected.droppedButEmitted ?? []) : []);
  const expectedLate = expected.late.filter((id) => !counted.has(id));
  const distinct = (rs: readonly WindowResult[]) =>
    [...new Map(rs.map((r) => [`${windowId(r)} ${r.value}`, r])).values()].sort(
      (a, b) => windowId(a).localeCompare(windowId(b)) || a.value - b.value,
    );
  const a = distinct(actual.results);
  const e = distinct(expected.results);
  const differences: string[] = [];
  const unmatched = [...a];
  for (const r of e) {
    const i = unmatched.findIndex((x) => windowId(x) === windowId(r) && close(x.value, r.value));
    if (i < 0) differences.push(`missing ${windowId(r)} = ${r.value}`);
    else unmatched.splice(i, 1);
  }
  for (const r of unmatched) differences.push(`unexpected ${windowId(r)} = ${r.value}`);
  const late = lateDifferences(actual.late, expectedLate);
  return [...differences, ...(options.lateSubset ? late.filter((d) => d.startsWith('late but')) : late)];
};

export const joinDifferences = (actual: JoinAnswer, expected: JoinAnswer): string[] => {
  const ids = (pairs: JoinAnswer['pairs']) => uniqueSorted(pairs.map((p) => `${p.key} ${p.left} ${p.right}`));
  const a = ids(actual.pairs);
  const e = ids(expected.pairs);
  return [
    ...e.filter((p) => !a.includes(p)).map((p) => `missing pair ${p}`),
    ...a.filter((p) => !e.includes(p)).map((p) => `unexpected pair ${p}`),
    ...lateDifferences(actual.late, expected.late),
  ];
};

const lateDifferences = (actual: readonly string[], expected: readonly string[]): string[] => {
  const a = uniqueSorted(actual);
  const e = uniqueSorted(expected);
  return [
    ...e.filter((id) => !a.includes(id)).map((id) => `not late but should be: ${id}`),
    ...a.filter((id) => !e.includes(id)).map((id) => `late but should not be: ${id}`),
  ];
};

/**
 * The oracle property tests' harness: for each generated case (those `skip` leaves), the implementation answers
 * what Kafka Streams answers (`differences` is empty). Skipped cases are counted and printed with the time taken.
 */
export const agreesWithKafkaStreams = async <S, A>(options: {
  readonly cases: fc.Arbitrary<StatefulCase<S>>;
  readonly runs: number;
  /** Names the implementation and the kind of case in the printed line, e.g. `Sluice's steps, 500 join cases`. */
  readonly label: string;
  readonly skip?: (spec: S) => boolean;
  readonly expected: (c: StatefulCase<S>) => Promise<A>;
  readonly actual: (c: StatefulCase<S>) => Promise<A>;
  readonly differences: (actual: A, expected: A, spec: S) => string[];
}): Promise<void> => {
  const started = performance.now();
  let skipped = 0;
  await fc.assert(
    fc.asyncProperty(options.cases, async (c) => {
      if (options.skip?.(c.spec)) {
        skipped++;
        fc.pre(false);
      }
      // Act
      const expected = await options.expected(c);
      const actual = await options.actual(c);
      // Assess
      expect(options.differences(actual, expected, c.spec), options.label).toEqual([]);
    }),
    { numRuns: options.runs, maxSkipsPerRun: 10 },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`stateful oracle: ${options.label} (${skipped} skipped) in ${seconds} s`);
};

/** Whether the property finds a deliberately broken implementation: some generated case must disagree. */
export const findsDisagreement = async <S, A>(options: {
  readonly cases: fc.Arbitrary<StatefulCase<S>>;
  readonly runs: number;
  readonly expected: (c: StatefulCase<S>) => Promise<A>;
  readonly actual: (c: StatefulCase<S>) => A | Promise<A>;
  readonly differences: (actual: A, expected: A) => string[];
}): Promise<boolean> => {
  const broken = fc.asyncProperty(options.cases, async (c) => {
    const expected = await options.expected(c);
    expect(options.differences(await options.actual(c), expected)).toEqual([]);
  });
  return (await fc.check(broken, { numRuns: options.runs })).failed;
};
