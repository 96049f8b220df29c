import { ConfigError, StepError } from '../errors.ts';
import type { FieldName } from '../fields.ts';
import type { FlowRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';

/**
 * How a window's records fold into its result. The accumulator is stored in DynamoDB between batches, so it
 * must be plain JSON (numbers, strings, booleans, null, arrays, objects).
 * @typeParam V - the record value type
 * @typeParam A - the accumulator kept in the state table
 * @typeParam R - the window's result
 */
export interface Reduction<V = Loose, A = Loose, R = Loose> {
  readonly name: string;
  readonly initial: () => A;
  /**
   * What a record contributes, read once per record before any state is touched: a throw dead-letters the
   * record (stage `step`), so bad content never reaches the state.
   */
  readonly input: (value: V, record: FlowRecord<V>) => unknown;
  readonly add: (accumulator: A, input: Loose) => A;
  readonly result: (accumulator: A) => R;
  /**
   * Two accumulators as one (Kafka Streams' session `Merger`): what session windows do when a record bridges two
   * sessions. Absent: the reduction cannot be used with `session(gap)` (a load-time error).
   */
  readonly merge?: (a: A, b: A) => A;
}

/**
 * A number of the value: a top-level field name, or a function of the value.
 * @typeParam V - the record value type
 */
export type NumberSelector<V = Loose> = FieldName<V> | ((value: V, record: FlowRecord<V>) => unknown);

const numberOf = <V>(selector: NumberSelector<V>, what: string) => {
  const read =
    typeof selector === 'function'
      ? selector
      : (value: V) => (value as Record<string, unknown> | null)?.[selector as string];
  return (value: V, record: FlowRecord<V>): number => {
    const n = read(value, record);
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw new StepError(
        `${what}: ${typeof selector === 'string' ? `field "${selector}"` : 'the selector'} gave ${describe(n)}, not a finite number`,
      );
    return n;
  };
};

const describe = (v: unknown): string =>
  v === undefined ? 'nothing' : typeof v === 'string' ? `text ${JSON.stringify(v.slice(0, 40))}` : String(v);

/**
 * The number of records in the window.
 * @example count()
 */
export const count = <V = Loose>(): Reduction<V, number, number> => ({
  name: 'count',
  initial: () => 0,
  input: () => 1,
  add: (n) => n + 1,
  result: (n) => n,
  merge: (a, b) => a + b,
});

/**
 * The sum of a number over the window's records; a record without a finite number there is dead-lettered.
 * @example sum('amount')
 */
export const sum = <V = Loose>(field: NumberSelector<V>): Reduction<V, number, number> => ({
  name: 'sum',
  initial: () => 0,
  input: numberOf(field, 'sum'),
  add: (total, n: number) => total + n,
  result: (total) => total,
  merge: (a, b) => a + b,
});

/**
 * The least of a number over the window's records.
 * @example min('price')
 */
export const min = <V = Loose>(field: NumberSelector<V>): Reduction<V, number | null, number | null> => ({
  name: 'min',
  initial: () => null,
  input: numberOf(field, 'min'),
  add: (least, n: number) => (least === null || n < least ? n : least),
  result: (least) => least,
  merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
});

/**
 * The greatest of a number over the window's records.
 * @example max('price')
 */
export const max = <V = Loose>(field: NumberSelector<V>): Reduction<V, number | null, number | null> => ({
  name: 'max',
  initial: () => null,
  input: numberOf(field, 'max'),
  add: (most, n: number) => (most === null || n > most ? n : most),
  result: (most) => most,
  merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
});

/**
 * The mean of a number over the window's records (kept as sum and count).
 * @example avg('rating')
 */
export const avg = <V = Loose>(
  field: NumberSelector<V>,
): Reduction<V, { sum: number; count: number }, number | null> => ({
  name: 'avg',
  initial: () => ({ sum: 0, count: 0 }),
  input: numberOf(field, 'avg'),
  add: (a, n: number) => ({ sum: a.sum + n, count: a.count + 1 }),
  result: (a) => (a.count === 0 ? null : a.sum / a.count),
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
});

/** Options of a typed `reduce`. */
export interface ReduceOptions<V, A, R> {
  /**
   * The accumulator of an empty window (plain JSON: it is stored in DynamoDB).
   * @example initial: { total: 0, ids: [] }
   */
  readonly initial: A;
  /**
   * Folds one record into the accumulator; must not mutate its argument. A throw dead-letters the record.
   * @example add: (a, review) => ({ total: a.total + review.rating, ids: [...a.ids, review.reviewId] })
   */
  readonly add: (accumulator: A, value: V, record: FlowRecord<V>) => A;
  /**
   * The window's result from the accumulator.
   * @default the accumulator itself
   * @example result: (a) => a.total
   */
  readonly result?: (accumulator: A) => R;
  /**
   * Two sessions' accumulators as one, for `session(gap)` windows (required there): a record that falls within
   * the gap of two sessions joins them. Called first with the initial value, as Kafka Streams' `Merger` is; must
   * not mutate its arguments.
   * @default none (not usable with session windows)
   * @example merge: (a, b) => ({ total: a.total + b.total, ids: [...a.ids, ...b.ids] })
   */
  readonly merge?: (a: A, b: A) => A;
}

/**
 * A typed fold with an initial value. `add` is tried on the initial value when a record is read, so a record it
 * throws for is dead-lettered before it touches the state.
 * @example reduce({ initial: 0, add: (n, review) => n + review.rating })
 */
export const reduce = <V = Loose, A = Loose, R = A>(options: ReduceOptions<V, A, R>): Reduction<V, A, R> => {
  const initial = JSON.stringify(options.initial);
  if (initial === undefined)
    throw new ConfigError('reduce.initial', 'must be plain JSON (it is stored in DynamoDB)');
  const fresh = () => JSON.parse(initial) as A;
  return {
    name: 'reduce',
    initial: fresh,
    input: (value, record) => {
      options.add(fresh(), value, record);
      return { value, record };
    },
    add: (a, input: { value: V; record: FlowRecord<V> }) => options.add(a, input.value, input.record),
    result: options.result ?? ((a) => a as unknown as R),
    ...(options.merge ? { merge: options.merge } : {}),
  };
};

export const isReduction = (value: unknown): value is Reduction =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Reduction).name === 'string' &&
  typeof (value as Reduction).initial === 'function' &&
  typeof (value as Reduction).add === 'function' &&
  typeof (value as Reduction).input === 'function' &&
  typeof (value as Reduction).result === 'function';
