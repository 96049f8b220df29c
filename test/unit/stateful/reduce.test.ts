import { describe, expect, it } from 'vitest';
import { ConfigError, StepError } from '../../../shared/errors.ts';
import {
  avg,
  count,
  max,
  min,
  type Reduction,
  reduce,
  sum,
} from '../../../shared/stateful/aggregate-reduce.ts';
import { flowRecord } from '../runtime/records.ts';

/** Folds values as the step does: each input read first, then added to the accumulator. */
const fold = <R>(
  reduction: Reduction<Record<string, unknown>, unknown, R>,
  values: Record<string, unknown>[],
) => {
  let acc = reduction.initial();
  for (const [i, value] of values.entries())
    acc = reduction.add(acc, reduction.input(value, flowRecord(value, i)));
  // Through JSON, as the accumulator goes through DynamoDB between batches.
  return reduction.result(JSON.parse(JSON.stringify(acc)));
};

const ratings = [{ rating: 4 }, { rating: 1 }, { rating: 5 }, { rating: 2 }];

describe('reductions', () => {
  it('count, sum, min, max and avg give what arithmetic gives', () => {
    // Prepare
    const reductions = {
      count: count(),
      sum: sum('rating'),
      min: min('rating'),
      max: max('rating'),
      avg: avg('rating'),
    };
    // Act
    const results = Object.fromEntries(
      Object.entries(reductions).map(([k, r]) => [k, fold(r as Reduction, ratings)]),
    );
    // Assess
    expect(results).toEqual({ count: 4, sum: 12, min: 1, max: 5, avg: 3 });
  });

  it('a typed reduce folds from its initial value and shapes its result', () => {
    // Prepare
    const spread = reduce<{ rating: number }, { lo: number; hi: number }, number>({
      initial: { lo: Number.MAX_SAFE_INTEGER, hi: 0 },
      add: (a, v) => ({ lo: Math.min(a.lo, v.rating), hi: Math.max(a.hi, v.rating) }),
      result: (a) => a.hi - a.lo,
    });
    // Act
    const result = fold(spread as never, ratings);
    // Assess
    expect(result).toBe(4);
  });

  it('a record without a finite number where a reduction reads one is refused before it is added', () => {
    // Prepare
    const total = sum('rating');
    const bad = [{}, { rating: '5' }, { rating: null }, { rating: Number.POSITIVE_INFINITY }];
    // Act
    const errors = bad.map((value) => {
      try {
        total.input(value as never, flowRecord(value as never));
        return undefined;
      } catch (error) {
        return error;
      }
    });
    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(StepError);
    expect((errors[1] as Error).message).toMatch(/field "rating" gave text "5", not a finite number/);
  });

  it('a typed reduce that throws for a record refuses it when the record is read', () => {
    // Prepare
    const picky = reduce<{ rating: number }, number>({
      initial: 0,
      add: (n, v) => {
        if (v.rating > 5) throw new Error('rating out of range');
        return n + v.rating;
      },
    });
    // Act
    const read = () => picky.input({ rating: 9 }, flowRecord({ rating: 9 }));
    // Assess
    expect(read).toThrow('rating out of range');
  });

  it('a reduce whose initial value is not JSON is a config error', () => {
    // Prepare
    const initial = () => undefined;
    // Act
    const make = () => reduce({ initial, add: (a) => a });
    // Assess
    expect(make).toThrow(ConfigError);
  });
});
