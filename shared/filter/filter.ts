import type { FlowRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';

/** A JSON leaf value a condition can compare against. */
export type Scalar = string | number | boolean | null;

/** Numeric range: at most one lower and one upper bound, as Lambda's `numeric` operator allows. */
export interface NumericCondition {
  /** @example { gt: 0 } */
  readonly gt?: number;
  /** @example { gte: 1 } */
  readonly gte?: number;
  /** @example { lt: 100 } */
  readonly lt?: number;
  /** @example { lte: 2 } */
  readonly lte?: number;
}

/**
 * What one field must satisfy. A bare scalar means "equals". Every condition is tested against the field's
 * leaf values: when the field (or a parent on its path) is an array, the condition holds if any element does.
 * @example where({ 'customer.tier': 'gold', rating: { lte: 2 }, source: { in: ['app', 'site'] }, email: { exists: true } })
 */
export type Condition =
  | Scalar
  | { readonly in: readonly Scalar[] }
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly equalsIgnoreCase: string }
  | { readonly exists: boolean }
  | { readonly anythingBut: string | number | readonly string[] | readonly number[] }
  | NumericCondition;

/**
 * Types only, never set: the value type a filter reads, so a filter made for one record type is refused where
 * another flows (a filter on any value fits everywhere).
 */
interface ReadsValue<V> {
  readonly '~value'?: (value: V) => void;
}

/**
 * All fields must match (AND). Field names are dotted paths into the record value, e.g. 'customer.tier'.
 * @typeParam V - the value type whose fields it reads
 */
export interface WhereFilter<V = Loose> extends ReadsValue<V> {
  readonly kind: 'where';
  readonly fields: Readonly<Record<string, Condition>>;
}

/**
 * Any alternative may match (OR).
 * @typeParam V - the value type its alternatives read
 */
export interface AnyOfFilter<V = Loose> extends ReadsValue<V> {
  readonly kind: 'anyOf';
  readonly filters: readonly Filter<V>[];
}

/**
 * Arbitrary code: evaluated in-process only, never pushed down to the event-source mapping.
 * @typeParam V - the value type `test` receives
 */
export interface PredicateFilter<V = Loose> extends ReadsValue<V> {
  readonly kind: 'predicate';
  readonly name: string;
  readonly test: (record: FlowRecord<V>) => boolean;
}

/**
 * A filter as data: `where`, `anyOf` or `predicate`.
 * @typeParam V - the record value type it reads: `where` paths are checked against it
 */
export type Filter<V = Loose> = WhereFilter<V> | AnyOfFilter<V> | PredicateFilter<V>;

export const FilterKind = { Where: 'where', AnyOf: 'anyOf', Predicate: 'predicate' } as const;

export const isFilter = (value: unknown): value is Filter =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(FilterKind).includes((value as { kind?: unknown }).kind as never);
