import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KafkaEventRecord } from '../../../shared/decode/event.ts';
import { compileFilterCriteria } from '../../../shared/filter/evaluate.ts';
import type { Condition, Filter } from '../../../shared/filter/filter.ts';
import { pushdown } from '../../../shared/filter/pattern.ts';
import { compileFilter } from '../../../shared/filter/predicate.ts';
import { anyOf, where } from '../../../shared/filter/where.ts';
import type { FlowRecord, SourceRecord } from '../../../shared/record.ts';

// A small universe of names and values so generated filters and records actually meet.
const names = ['a', 'b', 'tier', 'rating'] as const;
const strings = fc.constantFrom('', 'app', 'apple', 'gold', 'GOLD', 'web', 'deleted', 'x.y');
const numbers = fc.constantFrom(-1, 0, 1, 2, 2.5, 3, 100);
const scalar = fc.oneof(strings, numbers, fc.boolean(), fc.constant(null));

const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...names), tie('value'), { maxKeys: 3 }) },
  ),
})).value;

const recordValue = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.record({ a: jsonValue, b: jsonValue, tier: jsonValue, rating: jsonValue }),
        fc.subarray([...names]),
      )
      .map(([full, dropped]) => {
        for (const name of dropped.slice(0, 1)) delete (full as Record<string, unknown>)[name];
        return full;
      }),
  },
  { weight: 1, arbitrary: jsonValue },
  { weight: 1, arbitrary: fc.constantFrom('not json', '{"a":', '') },
  { weight: 1, arbitrary: fc.constant(null) },
);

const condition: fc.Arbitrary<Condition> = fc.oneof(
  scalar,
  fc.record({ in: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ prefix: strings }),
  fc.record({ suffix: strings }),
  fc.record({ equalsIgnoreCase: strings }),
  fc.record({ exists: fc.boolean() }),
  fc.record({
    anythingBut: fc.oneof(
      fc.array(strings, { minLength: 1, maxLength: 2 }),
      fc.array(numbers, { minLength: 1, maxLength: 2 }),
      strings,
      numbers,
    ),
  }),
  fc.record({ gt: numbers, lte: numbers }, { requiredKeys: [] }).filter((c) => Object.keys(c).length > 0),
  fc.record({ gte: numbers, lt: numbers }, { requiredKeys: [] }).filter((c) => Object.keys(c).length > 0),
);

const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...names) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...names), fc.constantFrom(...names)).map(([x, y]) => `${x}.${y}`),
  },
);
const whereFilter = fc.dictionary(path, condition, { minKeys: 1, maxKeys: 3 }).map((fields) => where(fields));
const filter: fc.Arbitrary<Filter> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.dictionary(path, condition, { minKeys: 1, maxKeys: 2 }).map((fields) => where(fields)),
  },
  { weight: 1, arbitrary: fc.array(whereFilter, { minLength: 1, maxLength: 5 }).map((fs) => anyOf(...fs)) },
);

const encode = (value: unknown): string | null =>
  value === null
    ? null
    : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');

const decodedValue = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

describe('filter pushdown agreement', () => {
  it('the FilterCriteria evaluator and the in-process predicate agree on every pushable filter and record', () => {
    // Prepare
    let compared = 0;
    let matched = 0;
    fc.assert(
      fc.property(filter, recordValue, (f, value) => {
        const pushed = pushdown(f);
        fc.pre(pushed.pushable);
        if (!pushed.pushable) return;
        const eventRecord: KafkaEventRecord = {
          topic: 't',
          partition: 0,
          offset: 1,
          timestamp: 0,
          timestampType: 'CREATE_TIME',
          key: null,
          value: encode(value),
          headers: [],
        };
        const flowRecord: FlowRecord = {
          source: {} as SourceRecord,
          key: null,
          value: decodedValue(value),
          headers: {},
        };

        // Act
        const byMapping = compileFilterCriteria(pushed.criteria)(eventRecord);
        const inProcess = compileFilter(f)(flowRecord);

        // Assess
        compared++;
        if (inProcess) matched++;
        expect(byMapping).toBe(inProcess);
      }),
      // A fixed seed: the same 2,000 cases on every run, so a failure is reproducible and the match rate stable.
      { numRuns: 2000, seed: 20261125 },
    );
    expect(compared).toBeGreaterThanOrEqual(1000);
    expect(matched).toBeGreaterThan(compared / 20);
  });

  it('generated filters both match and reject records, so the agreement is not vacuous', () => {
    // Prepare
    let matched = 0;
    let rejected = 0;
    fc.assert(
      fc.property(filter, recordValue, (f, value) => {
        const flowRecord: FlowRecord = {
          source: {} as SourceRecord,
          key: null,
          value: decodedValue(value),
          headers: {},
        };
        // Act
        if (compileFilter(f)(flowRecord)) matched++;
        else rejected++;
      }),
      { numRuns: 1000 },
    );
    // Assess
    expect(matched).toBeGreaterThan(30);
    expect(rejected).toBeGreaterThan(50);
  });
});
