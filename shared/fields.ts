/**
 * Field names and dotted field paths of a record value, as types: what makes a misspelt field in a flow file
 * (an enrich key, a `where` path, a cleanse field, a lake time field) a compile error. Types only.
 *
 * A value whose type is not known (`unknown`, `any`, an object with a string index) accepts any name, so flows
 * that declare no types compile as before.
 */

/** Depth countdown: paths go at most this many fields deep (5), which keeps the types quick to check. */
type Depth = [never, 0, 1, 2, 3, 4];

/** True when nothing is known about the type's fields. */
type Unknown<V> = unknown extends V
  ? true
  : V extends object
    ? string extends keyof V
      ? true
      : false
    : false;

/**
 * A top-level field name of `V`: `'customerId' | 'rating' | …` for a declared type, any string for an unknown
 * one.
 * @typeParam V - the record value type
 */
export type FieldName<V> = Unknown<V> extends true ? string : keyof NonNullable<V> & string;

/**
 * A dotted path into `V`, as `where`, `cleanse` and `toS3({ timeField })` read it: `'customer.tier'`. Arrays are
 * looked through (a filter tests their elements' leaves); null and undefined are stripped on the way.
 * @typeParam V - the record value type
 */
export type FieldPath<V> = PathsOf<NonNullable<V>, 5>;

type PathsOf<V, D extends number> = [D] extends [never]
  ? never
  : Unknown<V> extends true
    ? string
    : V extends readonly (infer E)[]
      ? PathsOf<NonNullable<E>, D>
      : V extends object
        ? {
            [K in keyof V & string]: K | `${K}.${PathsOf<NonNullable<V[K]>, Depth[D]>}`;
          }[keyof V & string]
        : never;
